export type {
  AttributeValueType,
  FilterComparison,
  FilterEntity,
  FilterGroup,
  FilterNode,
  FilterOp,
  FilterValue,
  OrderByClause,
  OrderByEntity,
} from "./types";
export { FilterSyntaxError } from "./lexer";
export {
  ATTRIBUTE_ALIASES,
  DATASET_KEYS,
  ENTITY_PREFIXES,
  RUN_ATTRIBUTES,
  canonicalAttribute,
} from "./identifiers";
export { MAX_FILTER_DEPTH, NUMERIC_OPERATORS, STRING_OPERATORS, parseFilter } from "./parse-filter";
export { parseOrderBy, parseOrderByList } from "./parse-order-by";
