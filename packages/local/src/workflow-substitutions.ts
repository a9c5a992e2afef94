/**
 * The `${Name}` placeholder values for infra/workflows/*.asl.json on the local stack: bare
 * function names, which sfn-local resolves to functions registered in-process. On AWS, infra/
 * substitutes the functions' real ARNs into the same files.
 */
export const LOCAL_SUBSTITUTIONS: Readonly<Record<string, string>> = {
  RequestApprovalFunctionArn: "request-approval",
  CallbackDemoFunctionArn: "callback-demo",
};
