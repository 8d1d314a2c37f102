// 5-1 Invoke basic: the echo target returns the input.
// The named form: with a string payload, invoke(funcId, input) would read as invoke(name, funcId).
import { withDurableExecution } from "@aws/durable-execution-sdk-js";

export const handler = withDurableExecution(async (event, context) =>
  context.invoke("echo", process.env.ECHO_FUNCTION, event));
