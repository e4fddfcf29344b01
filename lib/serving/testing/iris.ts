/** Test-only: the iris columns and rows the trained model scores (testing/train_and_check.py uses the same). */
export const COLUMNS = ["sepal_length", "sepal_width", "petal_length", "petal_width"];
export const ROWS = [
  [5.1, 3.5, 1.4, 0.2],
  [6.2, 2.9, 4.3, 1.3],
  [7.7, 3.0, 6.1, 2.3],
];
