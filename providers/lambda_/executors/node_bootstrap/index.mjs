// Node.js runtime bootstrap: the Lambda Runtime API loop with AWS's handler
// semantics (async handlers, callbacks, context methods, ES modules and
// CommonJS, streamifyResponse). Started by the process executor with
// AWS_LAMBDA_RUNTIME_API, _HANDLER and LAMBDA_TASK_ROOT set.
import path from "node:path";
import fs from "node:fs";
import { createRequire } from "node:module";
// Not `import http from "node:http"`: on Node 22+ an ES import of node:http reads its
// lazy WebSocket getters, loading undici (~20 ms per cold start).
const http = createRequire(import.meta.url)("node:http");
import { fileURLToPath, pathToFileURL } from "node:url";
import { Writable } from "node:stream";
import util from "node:util";

const API = process.env.AWS_LAMBDA_RUNTIME_API;
const BASE = "/2018-06-01/runtime";
const TASK_ROOT = process.env.LAMBDA_TASK_ROOT || process.cwd();
const HANDLER = process.env._HANDLER || "";
const [apiHost, apiPort] = API.split(":");
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const HANDLER_STREAMING = Symbol.for("aws.lambda.runtime.handler.streaming");

// AWS's runtimes that run durable functions carry the durable execution SDK: `make install`
// puts it in durable/node_modules beside this file, with the runtimes it is for
// (durable/node_modules/.runtimes.json, nodes.py). Found after the function's own packages: by require
// as a last NODE_PATH entry (the NODE_PATH the function sees stays AWS's), by ES module
// imports through a resolve hook (runtime_packages.mjs).
const RUNTIME_PACKAGES = path.join(path.dirname(fileURLToPath(import.meta.url)), "durable", "node_modules");

function carriesRuntimePackages() {
  try {
    const runtimes = JSON.parse(fs.readFileSync(path.join(RUNTIME_PACKAGES, ".runtimes.json"), "utf8"));
    return runtimes.includes((process.env.AWS_EXECUTION_ENV || "").replace(/^AWS_Lambda_/, ""));
  } catch {
    return false;
  }
}

if (carriesRuntimePackages()) {
  const Module = createRequire(import.meta.url)("node:module");
  const given = process.env.NODE_PATH;
  process.env.NODE_PATH = [given, RUNTIME_PACKAGES].filter(Boolean).join(path.delimiter);
  Module._initPaths();
  if (given === undefined) delete process.env.NODE_PATH;
  else process.env.NODE_PATH = given;
  if (typeof Module.register === "function") {
    Module.register("./runtime_packages.mjs", import.meta.url,
                    { data: { parent: pathToFileURL(path.join(RUNTIME_PACKAGES, "..", "index.mjs")).href } });
  }
}

// ---- logging as the AWS Node.js runtime prints it -------------------------------
// Text: `<ISO time>\t<requestId>\t<LEVEL>\t<util.format(...)>` with newlines as \r.
// JSON (AWS_LAMBDA_LOG_FORMAT=JSON): {timestamp, level, requestId, message}; one
// argument is the message as is (an Error as {errorType, errorMessage, stackTrace});
// several are util.format'ed, the first Error adding errorType/errorMessage/stackTrace.
// AWS_LAMBDA_LOG_LEVEL drops records below it (TRACE < DEBUG < INFO < WARN < ERROR <
// FATAL; unset: everything); console.log is INFO, console.fatal always logs.
let currentRequestId = undefined;
const jsonLogs = (process.env.AWS_LAMBDA_LOG_FORMAT || "").toUpperCase() === "JSON";
const LEVELS = { TRACE: 1, DEBUG: 2, INFO: 3, WARN: 4, ERROR: 5, FATAL: 6 };
const minLevel = LEVELS[(process.env.AWS_LAMBDA_LOG_LEVEL || "").toUpperCase()] ?? LEVELS.TRACE;

function jsonErrorReplacer(_key, value) {
  if (value instanceof Error) {
    return Object.assign(
      {
        errorType: value?.constructor?.name ?? "UnknownError",
        errorMessage: value.message,
        stackTrace: typeof value.stack === "string" ? value.stack.split("\n") : value.stack,
      },
      value,
    );
  }
  return value;
}

function jsonRecord(time, level, args) {
  const record = { timestamp: time, level, requestId: currentRequestId };
  if (args.length === 1) {
    record.message = args[0];
    try {
      return JSON.stringify(record, jsonErrorReplacer);
    } catch {
      record.message = util.format(record.message);
      return JSON.stringify(record);
    }
  }
  record.message = util.format(...args);
  const error = args.find((arg) => arg instanceof Error);
  if (error) {
    record.errorType = error?.constructor?.name ?? "UnknownError";
    record.errorMessage = error.message;
    record.stackTrace = typeof error.stack === "string" ? error.stack.split("\n") : [];
  }
  return JSON.stringify(record);
}

function writeLog(level, args) {
  const time = new Date().toISOString();
  const line = jsonLogs
    ? jsonRecord(time, level, args)
    : `${time}\t${currentRequestId}\t${level}\t${util.format(...args)}`;
  process.stdout.write(line.replace(/\n/g, "\r") + "\n");
}
const nop = () => {};
const log = {};
for (const level of Object.keys(LEVELS)) {
  log[level] = LEVELS[level] >= minLevel || level === "FATAL" ? (message, ...params) => writeLog(level, [message, ...params]) : nop;
}
console.trace = log.TRACE;
console.debug = log.DEBUG;
console.info = log.INFO;
console.log = log.INFO;
console.warn = log.WARN;
console.error = log.ERROR;
console.fatal = log.FATAL;

// An error logged by the runtime itself ("Invoke Error", "Uncaught Exception"...):
// text: `<label> \t{"errorType", "errorMessage", own enumerable properties, "stack": [lines]}`;
// JSON: the error alone as the record's message.
function logError(label, error) {
  const asError = intoError(error);
  if (jsonLogs) log.ERROR(asError);
  else log.ERROR(label, formatted(asError));
}

// ---- Runtime API client ------------------------------------------------------------
function request(method, urlPath, body, headers = {}, via = agent) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: apiHost, port: apiPort, method, path: BASE + urlPath, agent: via, headers },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

// ---- errors as the AWS Node.js runtime reports them ------------------------------------
// Errors (native, or duck-typed: string name, message and stack) keep their name,
// message and stack lines; any other thrown value is {typeof, toString(), []}.
function looksLikeError(value) {
  return Boolean(value && value.name && value.message && value.stack &&
    typeof value.name === "string" && typeof value.message === "string" && typeof value.stack === "string");
}

function errorBody(error) {
  try {
    if (util.types.isNativeError(error) || looksLikeError(error)) {
      return { errorType: error.name, errorMessage: error.message, trace: error.stack.split("\n") };
    }
    return { errorType: typeof error, errorMessage: error.toString(), trace: [] };
  } catch {
    return {
      errorType: "handled",
      errorMessage: "callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack",
    };
  }
}

function intoError(error) {
  if (error instanceof Error) return error;
  try {
    return new Error(error);
  } catch {
    return new Error(util.inspect(error));
  }
}

// "\t" + the error as JSON with its name, message, code, own enumerable properties
// and stack lines (nested errors alike).
function formatted(error) {
  try {
    return "\t" + JSON.stringify(error, (_key, value) => {
      if (!(value instanceof Error)) return value;
      const plain = Object.assign({ errorType: value.name, errorMessage: value.message, code: value.code }, value);
      if (typeof value.stack === "string") plain.stack = value.stack.split("\n");
      return plain;
    });
  } catch {
    return "\t" + JSON.stringify(errorBody(error));
  }
}

function postError(urlPath, error, via = agent) {
  const body = errorBody(error);
  return request("POST", urlPath, JSON.stringify(body), {
    "Content-Type": "application/json",
    "Lambda-Runtime-Function-Error-Type": headerValue(body.errorType),
  }, via);
}
function headerValue(value) {
  return String(value).replace(/[^\t\x20-\x7e]/g, "");
}

// ---- handler loading -----------------------------------------------------------------
// The runtime's own errors: class `X` named `Runtime.X` (the text logs and the
// Runtime API show the name, JSON logs the class name, as AWS's do).
const runtimeErrorClasses = new Map();
function namedError(name, message) {
  const shortName = name.replace(/^Runtime\./, "");
  let Class = runtimeErrorClasses.get(shortName);
  if (!Class) {
    Class = { [shortName]: class extends Error {} }[shortName];
    Class.prototype.name = `Runtime.${shortName}`;
    runtimeErrorClasses.set(shortName, Class);
  }
  return new Class(message);
}

class UnhandledPromiseRejection extends Error {
  constructor(reason, promise) {
    super(messageOf(reason));
    this.reason = reason;
    this.promise = promise;
  }
}
UnhandledPromiseRejection.prototype.name = "Runtime.UnhandledPromiseRejection";
function messageOf(value) {
  try {
    return value === undefined ? undefined : String(value);
  } catch {
    return util.inspect(value);
  }
}

const NODEJS_EXIT_MESSAGE = "The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly " +
  "caused by a Promise that was never settled. For more information, see https://nodejs.org/docs/latest/api/process.html#exit-codes";

async function loadHandler() {
  const match = /^([^.]*?)\.(.+)$/.exec(path.basename(HANDLER));
  if (!match) throw namedError("Runtime.MalformedHandlerName", "Bad handler");
  const moduleBase = path.resolve(TASK_ROOT, path.dirname(HANDLER), match[1]);
  const handlerPath = match[2];
  let file;
  for (const ext of [".js", ".mjs", ".cjs", ""]) {
    if (fs.existsSync(moduleBase + ext) && fs.statSync(moduleBase + ext).isFile()) {
      file = moduleBase + ext;
      break;
    }
  }
  let moduleObject;
  try {
    if (!file) {
      // A package name resolvable from the task root (or NODE_PATH).
      moduleObject = createRequire(path.join(TASK_ROOT, "index.js"))(match[1]);
    } else if (file.endsWith(".mjs") || (file.endsWith(".js") && isModuleScope(file))) {
      moduleObject = await import(pathToFileURL(file).href);
    } else {
      try {
        moduleObject = createRequire(file)(file);
      } catch (error) {
        if (error && error.code === "ERR_REQUIRE_ESM") moduleObject = await import(pathToFileURL(file).href);
        else throw error;
      }
    }
  } catch (error) {
    if (error && error.code === "MODULE_NOT_FOUND" && String(error.message).includes(match[1])) {
      throw namedError("Runtime.ImportModuleError", `Error: Cannot find module '${match[1]}'\nRequire stack:\n- ${process.argv[1]}`);
    }
    if (error instanceof SyntaxError) throw namedError("Runtime.UserCodeSyntaxError", `${error.name}: ${error.message}`);
    throw error;
  }
  let handler = moduleObject;
  for (const part of handlerPath.split(".")) {
    handler = handler == null ? undefined : handler[part];
  }
  if (handler === undefined && moduleObject && moduleObject.default) {
    handler = handlerPath.split(".").reduce((o, p) => (o == null ? undefined : o[p]), moduleObject.default);
  }
  if (typeof handler !== "function") {
    throw namedError("Runtime.HandlerNotFound", `${path.basename(HANDLER)} is undefined or not exported`);
  }
  return handler;
}

function isModuleScope(file) {
  let dir = path.dirname(file);
  while (true) {
    const pkg = path.join(dir, "package.json");
    if (fs.existsSync(pkg)) {
      try {
        return JSON.parse(fs.readFileSync(pkg, "utf8")).type === "module";
      } catch {
        return false;
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return false;
    dir = parent;
  }
}

// ---- streaming responses ------------------------------------------------------------------
globalThis.awslambda = {
  streamifyResponse(handler, options) {
    handler[HANDLER_STREAMING] = "response";
    return handler;
  },
  HttpResponseStream: {
    from(stream, metadata) {
      stream.setContentType("application/vnd.awslambda.http-integration-response");
      const prelude = Buffer.from(JSON.stringify(metadata ?? {}));
      stream.write(Buffer.concat([prelude, Buffer.alloc(8)]));
      return stream;
    },
  },
};

function streamingResponse(requestId) {
  let contentType = "application/octet-stream";
  let req = null;
  let done;
  const finished = new Promise((r) => (done = r));
  const open = () => {
    if (req) return req;
    req = http.request(
      {
        host: apiHost, port: apiPort, method: "POST", agent,
        path: `${BASE}/invocation/${requestId}/response`,
        headers: {
          "Lambda-Runtime-Function-Response-Mode": "streaming",
          "Transfer-Encoding": "chunked",
          "Content-Type": contentType,
          Trailer: "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body",
        },
      },
      (res) => { res.resume(); res.on("end", () => done()); },
    );
    req.on("error", () => done());
    return req;
  };
  const stream = new Writable({
    write(chunk, encoding, callback) { open().write(chunk, callback); },
    final(callback) { open().end(); callback(); },
  });
  stream.setContentType = (type) => { contentType = type; };
  stream.fail = (error) => {
    const r = open();
    const detail = errorBody(error);
    const body = Buffer.from(JSON.stringify(detail)).toString("base64");
    r.addTrailers({ "Lambda-Runtime-Function-Error-Type": headerValue(detail.errorType), "Lambda-Runtime-Function-Error-Body": body });
    r.end();
  };
  return { stream, finished };
}

// ---- the loop ---------------------------------------------------------------------------------
// What to do when the event loop runs dry during an invocation (AWS's runtime does it
// from 'beforeExit'): answer a callback that waits for an empty loop, answer null for
// a non-async handler that never called back, fail an async one that never settled.
// The runtime's idle keep-alive socket is unref'd by the agent: it never counts.
let onEmptyLoop = null;
process.on("beforeExit", () => {
  const action = onEmptyLoop;
  onEmptyLoop = null;
  if (action) action();
});

function makeContext(headers, deadline) {
  const context = {
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: headers["lambda-runtime-invoked-function-arn"],
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: headers["lambda-runtime-aws-request-id"],
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  if (headers["lambda-runtime-client-context"]) {
    try { context.clientContext = JSON.parse(headers["lambda-runtime-client-context"]); } catch { /* ignore */ }
  }
  if (headers["lambda-runtime-cognito-identity"]) {
    try { context.identity = JSON.parse(headers["lambda-runtime-cognito-identity"]); } catch { /* ignore */ }
  }
  return context;
}

// One non-streaming invocation: resolves {error} or {result} as AWS's runtime decides.
// callback(null, r) answers once the event loop is empty (at once with
// callbackWaitsForEmptyEventLoop = false); callback(error), context.done/succeed/fail
// and a returned promise answer at once; only the first of them counts.
function runHandler(handler, isAsync, event, context) {
  return new Promise((resolve) => {
    let answered = false;
    const answer = (outcome) => {
      answered = true;
      onEmptyLoop = null;
      resolve(outcome);
    };
    const failed = (error) => error !== undefined && error !== null;
    let called = false;
    const once = (fn) => (...args) => {
      if (called) return;
      called = true;
      // Answered already (null when the loop ran dry): AWS logs this. A late call
      // never touches a later invocation's state.
      if (answered) {
        console.error("Invocation has already been reported as done. Cannot call complete more than once per invocation.");
        return;
      }
      fn(...args);
    };
    const callback = once((error, result) => {
      onEmptyLoop = null;
      if (failed(error)) answer({ error });
      else if (!context.callbackWaitsForEmptyEventLoop) answer({ result });
      else onEmptyLoop = () => setImmediate(() => answer({ result }));
    });
    const done = once((error, result) => answer(failed(error) ? { error } : { result }));
    context.done = done;
    context.succeed = (result) => done(null, result);
    context.fail = (error) => done(failed(error) ? error : "handled");
    onEmptyLoop = () => answer(isAsync ? { error: namedError("NodeJsExit", NODEJS_EXIT_MESSAGE) } : { result: null });
    try {
      const returned = handler(event, context, callback);
      if (returned && typeof returned.then === "function") {
        returned.then(context.succeed, context.fail);
      }
    } catch (error) {
      callback(error);
    }
  });
}

// An uncaught exception or unhandled rejection: AWS's runtime posts it as the error of
// the current (or last) invocation, or as the init error before any, then exits.
let lastRequestId = undefined;
let dying = false;
function crash(label, error, status) {
  logError(label, error);
  if (dying) return;
  dying = true;
  onEmptyLoop = null;
  const target = lastRequestId ? `/invocation/${lastRequestId}/error` : "/init/error";
  // Its own connection: the runtime's one keep-alive socket may be busy (a long poll).
  postError(target, error, false).then(() => process.exit(status), () => process.exit(status));
}
process.on("uncaughtException", (error) => crash("Uncaught Exception", error, 129));
process.on("unhandledRejection", (reason, promise) =>
  crash("Unhandled Promise Rejection", new UnhandledPromiseRejection(reason, promise), 128));

async function main() {
  let handler;
  try {
    handler = await loadHandler();
  } catch (error) {
    logError("Uncaught Exception", error);
    dying = true;
    await postError("/init/error", error);
    process.exit(129);
  }
  const streaming = handler[HANDLER_STREAMING] === "response";
  let isAsync = false;
  try {
    isAsync = handler.constructor?.name === "AsyncFunction";
  } catch { /* not async */ }
  while (!dying) {
    const next = await request("GET", "/invocation/next");
    if (dying) break;
    const requestId = next.headers["lambda-runtime-aws-request-id"];
    const deadline = Number(next.headers["lambda-runtime-deadline-ms"]);
    currentRequestId = requestId;
    lastRequestId = requestId;
    process.env._X_AMZN_TRACE_ID = next.headers["lambda-runtime-trace-id"] || "";
    let event;
    try {
      event = JSON.parse(next.body.toString("utf8") || "null");
    } catch (error) {
      await postError(`/invocation/${requestId}/error`, namedError("Runtime.UnmarshalError", String(error)));
      continue;
    }
    if (streaming) {
      const { stream, finished } = streamingResponse(requestId);
      const ran = await new Promise((resolve) => {
        // A handler whose promise never settles: on to the next invocation (this one times out).
        onEmptyLoop = () => resolve(false);
        const settle = () => resolve(true);
        try {
          Promise.resolve(handler(event, stream, makeContext(next.headers, deadline)))
            .then(() => { if (!stream.writableEnded) stream.end(); }, (error) => stream.fail(error))
            .then(settle);
        } catch (error) {
          stream.fail(error);
          settle();
        }
      });
      onEmptyLoop = null;
      if (ran) await finished;
      continue;
    }
    const outcome = await runHandler(handler, isAsync, event, makeContext(next.headers, deadline));
    if (dying) break;
    // Any value but undefined and null is an error (callback(0) fails with errorType "number").
    let error = outcome.error;
    if (!("error" in outcome)) {
      let body;
      try {
        body = JSON.stringify(outcome.result === undefined ? null : outcome.result) ?? "null";
      } catch {
        body = undefined;
        error = new Error("Unable to stringify response body");
      }
      if (body !== undefined) {
        await request("POST", `/invocation/${requestId}/response`, body, { "Content-Type": "application/json" });
        continue;
      }
    }
    logError("Invoke Error", error);
    await postError(`/invocation/${requestId}/error`, error);
  }
}

main().catch((error) => crash("Uncaught Exception", error, 129));
