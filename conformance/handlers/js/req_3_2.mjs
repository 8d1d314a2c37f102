// 3-2 Child context named after the input's "name"; its step returns "value".
import { withDurableExecution } from "@aws/durable-execution-sdk-js";

export const handler = withDurableExecution(async (event, context) =>
  context.runInChildContext(event.name, async (child) => child.step(async () => event.value)));
