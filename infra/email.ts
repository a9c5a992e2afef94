// SES: the identity approval mail is sent from, and a configuration set whose bounces and
// complaints go to EventBridge, where infra/functions.ts's ses-events function records them on
// the approval's audit trail.
//
// Settings (infra/stage-settings.ts): SIGNOFF_SENDER, the From address; SIGNOFF_SES_IDENTITY to
// reuse an identity that already exists (the address or its domain) instead of creating one. SES
// mails a created address identity a verification link on the first deploy; until the account
// leaves the SES sandbox, every recipient must be verified too.
import { readSenderSettings } from "./stage-settings.ts";

const settings = readSenderSettings(process.env, $app.stage);

export const sender = settings.sender;

const region = aws.getRegionOutput().name;
const account = aws.getCallerIdentityOutput().accountId;
const partition = aws.getPartitionOutput().partition;

// A created identity is this stage's; a reused one is only referred to, never changed or removed.
const createdIdentity = settings.createIdentity
  ? new aws.sesv2.EmailIdentity("EmailIdentity", { emailIdentity: settings.identity })
  : undefined;

/** The identity's ARN, for the functions' ses:SendEmail grant. */
export const identityArn = createdIdentity
  ? createdIdentity.arn
  : $interpolate`arn:${partition}:ses:${region}:${account}:identity/${settings.identity}`;

// Named per app and stage: configuration set names are unique in an account and region.
export const configurationSet = new aws.sesv2.ConfigurationSet("EmailConfig", {
  configurationSetName: `${$app.name}-${$app.stage}`.replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 64),
});

export const configurationSetArn = $interpolate`arn:${partition}:ses:${region}:${account}:configuration-set/${configurationSet.configurationSetName}`;

// SES publishes to the default event bus only.
export const defaultBusArn = $interpolate`arn:${partition}:events:${region}:${account}:event-bus/default`;

/** The SES event types recorded on approvals: mail that did not reach a person. */
export const PROBLEM_EVENT_TYPES = ["BOUNCE", "COMPLAINT", "REJECT", "DELIVERY_DELAY"] as const;

export const problemEvents = new aws.sesv2.ConfigurationSetEventDestination("EmailProblems", {
  configurationSetName: configurationSet.configurationSetName,
  eventDestinationName: "signoff-problems",
  eventDestination: {
    enabled: true,
    matchingEventTypes: [...PROBLEM_EVENT_TYPES],
    eventBridgeDestination: { eventBusArn: defaultBusArn },
  },
});
