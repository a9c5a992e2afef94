import { describe, expect, it } from "vitest";
import { readShardMessages } from "./sqs-shard-queue.ts";

describe("readShardMessages", () => {
  it("reads the shard each record names, in order, and skips records that name none", () => {
    expect(
      readShardMessages([
        { body: JSON.stringify({ shard: "DUE#3" }) },
        { body: "not json" },
        { body: JSON.stringify({ shard: 7 }) },
        { body: JSON.stringify({ shard: "DUE" }) },
      ]),
    ).toEqual(["DUE#3", "DUE"]);
  });
});
