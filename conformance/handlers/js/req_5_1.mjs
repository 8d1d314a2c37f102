// 5-1 Invoke basic: the echo target returns the input.
import { withDurableExecution } from "@aws/durable-execution-sdk-js";

export const handler = withDurableExecution(async (event, context) =>
  context.invoke(process.env.ECHO_FUNCTION, event));
