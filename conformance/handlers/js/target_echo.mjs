// Chained-invoke target: a durable function returning its input unchanged.
import { withDurableExecution } from "@aws/durable-execution-sdk-js";

export const handler = withDurableExecution(async (event) => event);
