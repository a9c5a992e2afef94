export * from "./dev-oidc-issuer.ts";
export * from "./dev-oidc-tokens.ts";
