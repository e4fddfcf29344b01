export { DELETE, GET, PATCH, POST } from "@/app/api/3.0/mlflow/[...path]/route";
