export { DELETE, GET, PATCH, POST } from "@/app/api/2.0/mlflow/[...path]/route";
