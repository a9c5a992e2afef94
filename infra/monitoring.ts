// Alarms, the topic they notify, and who may write to the dead-letter queue.
//
// Every alarm goes to one SNS topic; SIGNOFF_ALARM_EMAIL subscribes an address to it (SNS mails a
// confirmation link first). README "Operating signoff" says what each alarm means and what to do.
import { api } from "./api.ts";
import { apiFunction, ruleArns, sweeper, sweepShard } from "./functions.ts";
import { deadLetters } from "./queues.ts";
import { readAlarmEmail } from "./stage-settings.ts";

/** The namespace and service dimension the functions' Powertools metrics are published under. */
export const METRICS_NAMESPACE = "signoff";

export const alarmTopic = new aws.sns.Topic("Alarms", {});

const alarmEmail = readAlarmEmail(process.env);
if (alarmEmail) {
  new aws.sns.TopicSubscription("AlarmsEmail", {
    topic: alarmTopic.arn,
    protocol: "email",
    endpoint: alarmEmail,
  });
}

// EventBridge delivers what it could not hand to cancel or ses-events to the queue; Lambda's own
// on-failure destination writes with each function's role (granted in functions.ts).
export const deadLetterPolicy = new aws.sqs.QueuePolicy("DeadLettersPolicy", {
  queueUrl: deadLetters.url,
  policy: $jsonStringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: deadLetters.arn,
        Condition: { ArnEquals: { "aws:SourceArn": ruleArns } },
      },
    ],
  }),
});

type AlarmArgs = Omit<aws.cloudwatch.MetricAlarmArgs, "alarmActions" | "okActions">;

function alarm(name: string, args: AlarmArgs) {
  return new aws.cloudwatch.MetricAlarm(name, {
    ...args,
    alarmActions: [alarmTopic.arn],
    okActions: [alarmTopic.arn],
  });
}

/** Any error of `fn` within five minutes. */
function functionErrorsAlarm(name: string, fn: { name: $util.Input<string> }, what: string) {
  return alarm(name, {
    alarmDescription: `signoff: ${what} (README: Operating signoff)`,
    namespace: "AWS/Lambda",
    metricName: "Errors",
    dimensions: { FunctionName: fn.name },
    statistic: "Sum",
    period: 300,
    evaluationPeriods: 1,
    threshold: 1,
    comparisonOperator: "GreaterThanOrEqualToThreshold",
    treatMissingData: "notBreaching",
  });
}

export const alarms = {
  // A sweeper run threw: reminders, deadlines, heartbeats and callback retries wait for the next.
  sweeperErrors: functionErrorsAlarm("SweeperErrors", sweeper, "a sweeper run failed"),
  // A handed-on shard's sweep threw: its message returns to the queue and is tried again.
  sweepShardErrors: functionErrorsAlarm(
    "SweepShardErrors",
    { name: sweepShard.nodes.function.name },
    "a sweep of a handed-on due shard failed",
  ),
  // The oldest due item the sweeper found was over 5 minutes late; no figure at all means no
  // sweeper ran, which is as late as it gets.
  sweeperLag: alarm("SweeperLag", {
    alarmDescription: "signoff: due work is over 5 minutes late (README: Operating signoff)",
    namespace: METRICS_NAMESPACE,
    metricName: "SweeperLag",
    dimensions: { service: "signoff-sweeper" },
    statistic: "Maximum",
    period: 300,
    evaluationPeriods: 1,
    threshold: 300,
    comparisonOperator: "GreaterThanThreshold",
    treatMissingData: "breaching",
  }),
  // An outcome was decided over 10 minutes ago and its task has not been told yet.
  callbacksPending: alarm("CallbacksPending", {
    alarmDescription:
      "signoff: a decided outcome has waited over 10 minutes for its SendTask* call (README: Operating signoff)",
    namespace: METRICS_NAMESPACE,
    metricName: "OldestPendingCallbackAge",
    dimensions: { service: "signoff-sweeper" },
    statistic: "Maximum",
    period: 300,
    evaluationPeriods: 1,
    threshold: 600,
    comparisonOperator: "GreaterThanThreshold",
    treatMissingData: "notBreaching",
  }),
  deadLetters: alarm("DeadLettersNotEmpty", {
    alarmDescription:
      "signoff: an asynchronous event failed after its retries and waits in the dead-letter queue (README: Operating signoff)",
    namespace: "AWS/SQS",
    metricName: "ApproximateNumberOfMessagesVisible",
    dimensions: { QueueName: deadLetters.name },
    statistic: "Maximum",
    period: 60,
    evaluationPeriods: 1,
    threshold: 0,
    comparisonOperator: "GreaterThanThreshold",
    treatMissingData: "notBreaching",
  }),
  api5xx: alarm("Api5xx", {
    alarmDescription: "signoff: the API answered 5xx (README: Operating signoff)",
    namespace: "AWS/ApiGateway",
    metricName: "5xx",
    dimensions: { ApiId: api.nodes.api.id },
    statistic: "Sum",
    period: 300,
    evaluationPeriods: 1,
    threshold: 1,
    comparisonOperator: "GreaterThanOrEqualToThreshold",
    treatMissingData: "notBreaching",
  }),
  apiErrors: functionErrorsAlarm("ApiFunctionErrors", apiFunction, "the API function threw"),
};
