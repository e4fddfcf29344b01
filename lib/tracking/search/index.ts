export type { FilterComparison, FilterNode, OrderByClause } from "./types";
export { FilterSyntaxError } from "./lexer";
export { parseFilter } from "./parse-filter";
export { parseOrderByList } from "./parse-order-by";
