/**
 * Headers for every page signoff serves: a Content-Security-Policy that allows no script,
 * no framing and forms posting only back to us, no caching (links carry credentials), no
 * referrer (the URL is the credential).
 */
import type { MiddlewareHandler } from "hono";
import { every } from "hono/combine";
import { secureHeaders } from "hono/secure-headers";
import { STYLE_HASH_SOURCE } from "./pages/layout.ts";

const secure = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    styleSrc: [STYLE_HASH_SOURCE],
    formAction: ["'self'"],
    baseUri: ["'none'"],
    frameAncestors: ["'none'"],
  },
  referrerPolicy: "no-referrer",
  xFrameOptions: "DENY",
  crossOriginResourcePolicy: "same-origin",
  strictTransportSecurity: "max-age=63072000; includeSubDomains",
});

const noStore: MiddlewareHandler = async (c, next) => {
  await next();
  c.header("Cache-Control", "no-store");
};

/** Applies the page security headers and `Cache-Control: no-store`. */
export const pageSecurityHeaders = every(secure, noStore);
