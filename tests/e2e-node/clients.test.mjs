// The official `openai` and `@anthropic-ai/sdk` npm packages and the Vercel AI SDK (`ai`
// with `@ai-sdk/openai` and `@ai-sdk/anthropic`) against a real `rampart serve`.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { generateObject, generateText, streamText, stepCountIs, tool } from "ai";
import { createOpenAI } from "@ai-sdk/openai";
import { createAnthropic } from "@ai-sdk/anthropic";
import { z } from "zod";
import { KEY, startGateway } from "./gateway.mjs";

const SECRET = "AKIAIOSFODNN7EXAMPLE";
const Weather = z.object({ city: z.string(), degrees: z.number().int() });
let gw;

before(async () => {
  gw = await startGateway();
});
after(() => gw?.stop());

test("openai npm: chat, stream, redaction", async () => {
  const client = new OpenAI({ baseURL: `${gw.base}/v1`, apiKey: KEY, maxRetries: 0 });
  const r = await client.chat.completions.create({
    model: "mock-echo",
    messages: [{ role: "user", content: `key ${SECRET}` }],
  });
  assert.equal(r.choices[0].message.content, "key [AWS_ACCESS_KEY]");
  let text = "";
  const stream = await client.chat.completions.create({
    model: "mock",
    stream: true,
    messages: [{ role: "user", content: "Hello there" }],
  });
  for await (const c of stream) text += c.choices[0]?.delta?.content ?? "";
  assert.match(text, /^Hello from Rampart's mock model/);
  const resp = await client.responses.create({ model: "mock", input: "Hello" });
  assert.match(resp.output_text, /^Hello from Rampart's mock model/);
});

test("anthropic npm: message, stream, tool", async () => {
  const client = new Anthropic({ baseURL: gw.base, apiKey: KEY, maxRetries: 0 });
  const m = await client.messages.create({
    model: "mock-echo",
    max_tokens: 50,
    messages: [{ role: "user", content: `key ${SECRET}` }],
  });
  assert.equal(m.content[0].text, "key [AWS_ACCESS_KEY]");
  let text = "";
  const stream = client.messages.stream({ model: "mock", max_tokens: 50, messages: [{ role: "user", content: "Hi" }] });
  for await (const e of stream) if (e.type === "content_block_delta" && e.delta.type === "text_delta") text += e.delta.text;
  assert.match(text, /^Hello from Rampart's mock model/);
  const t = await client.messages.create({
    model: "mock",
    max_tokens: 50,
    tools: [{ name: "get_weather", input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } }],
    messages: [{ role: "user", content: "Weather?" }],
  });
  assert.equal(t.stop_reason, "tool_use");
  assert.deepEqual(t.content.find((b) => b.type === "tool_use").input, { city: "mock" });
});

const weatherTool = tool({
  description: "The weather in a city",
  inputSchema: z.object({ city: z.string() }),
  execute: async ({ city }) => `sunny in ${city}`,
});

for (const [name, model] of [
  // The default `openai()` provider speaks the Responses API.
  ["openai (responses)", () => createOpenAI({ baseURL: `${gw.base}/v1`, apiKey: KEY })("mock")],
  ["openai (chat)", () => createOpenAI({ baseURL: `${gw.base}/v1`, apiKey: KEY }).chat("mock")],
  ["anthropic", () => createAnthropic({ baseURL: `${gw.base}/v1`, apiKey: KEY })("mock")],
]) {
  test(`ai sdk ${name}: generateText, streamText, a tool, generateObject`, async () => {
    const m = model();
    const g = await generateText({ model: m, prompt: "Hello there", maxRetries: 0 });
    assert.match(g.text, /^Hello from Rampart's mock model/);
    const s = streamText({ model: m, prompt: "Hello there", maxRetries: 0 });
    let text = "";
    for await (const piece of s.textStream) text += piece;
    assert.match(text, /^Hello from Rampart's mock model/);
    const t = await generateText({
      model: m,
      prompt: "Weather in Paris?",
      tools: { get_weather: weatherTool },
      stopWhen: stepCountIs(3),
      maxRetries: 0,
    });
    assert.match(t.text, /sunny in mock/);
    const o = await generateObject({ model: m, schema: Weather, prompt: "Weather?", maxRetries: 0 });
    assert.deepEqual(o.object, { city: "mock", degrees: 0 });
  });
}
