/**
 * The OpenAPI schema of a problem+json body (`Problem` in problem.ts), for the `/v1` routes.
 */
import { z } from "@hono/zod-openapi";
import type { Problem } from "./problem.ts";

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
  })
  .catchall(z.unknown())
  .openapi("Problem");

// The schema and the interface describe one body: this stops compiling if the schema loses or
// retypes a member the interface requires.
const _sameShape: Problem = {} as z.infer<typeof ProblemSchema>;
