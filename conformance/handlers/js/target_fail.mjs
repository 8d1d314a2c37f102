// Chained-invoke target: a durable function that always throws.
import { withDurableExecution } from "@aws/durable-execution-sdk-js";

export const handler = withDurableExecution(async () => {
  throw new Error("target function failed");
});
