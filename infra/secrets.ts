// SST secrets holding the link-signing and token-encryption keyrings, and the optional webhook secret.
//
// Each value is a keyring `kid:base64url[,kid:base64url]`; the first key signs or encrypts, all of
// them verify or decrypt, so a key is rotated by putting the new one first. Every key is 32 random
// bytes, e.g. for a stage named production:
//   npx sst secret set LinkKeys "k1:$(openssl rand -base64 32 | tr '+/' '-_' | tr -d '=')" --stage production
//   npx sst secret set TokenKeys "k1:$(openssl rand -base64 32 | tr '+/' '-_' | tr -d '=')" --stage production

export const linkKeys = new sst.Secret("LinkKeys");
export const tokenKeys = new sst.Secret("TokenKeys");

// Optional: Slack. With both set, requests may ask for Slack (`"slack": {...}`) and the API serves
// Slack's Interactivity Request URL (`<api url>/slack/interactions`); unset (the empty
// placeholder), Slack is off and a request asking for it is refused as Approval.InvalidRequest.
//   npx sst secret set SlackBotToken "xoxb-..." --stage production
//   npx sst secret set SlackSigningSecret "<the app's Signing Secret>" --stage production
export const slackBotToken = new sst.Secret("SlackBotToken", "");
export const slackSigningSecret = new sst.Secret("SlackSigningSecret", "");
// Signed webhooks (README "Signed webhooks"): a Standard Webhooks secret, `whsec_` + base64 of
// 24 to 64 random bytes. Optional: its placeholder is blank, and blank means webhooks are off.
//   npx sst secret set SignoffWebhookSecret "whsec_$(openssl rand -base64 32)" --stage production
export const webhookSecret = new sst.Secret("SignoffWebhookSecret", "");
