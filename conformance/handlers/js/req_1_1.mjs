// 1-1 Step basic: one step turns the input into a greeting.
import { withDurableExecution } from "@aws/durable-execution-sdk-js";

export const handler = withDurableExecution(async (event, context) =>
  context.step(async () => `Hello, ${event}!`));
