/** The AWS history event types sfn-local emits (names as in the Step Functions API). */
export type HistoryEventType =
  | "ExecutionStarted"
  | "ExecutionSucceeded"
  | "ExecutionFailed"
  | "ExecutionAborted"
  | "ExecutionTimedOut"
  | `${"Task" | "Parallel" | "Map" | "Pass" | "Wait" | "Choice" | "Succeed" | "Fail"}StateEntered`
  | `${"Task" | "Parallel" | "Map" | "Pass" | "Wait" | "Choice" | "Succeed"}StateExited`
  | "TaskScheduled"
  | "TaskStarted"
  | "TaskSubmitted"
  | "TaskSucceeded"
  | "TaskFailed"
  | "TaskTimedOut"
  | "LambdaFunctionScheduled"
  | "LambdaFunctionStarted"
  | "LambdaFunctionSucceeded"
  | "LambdaFunctionFailed"
  | "LambdaFunctionTimedOut"
  | "MapStateStarted"
  | "MapStateSucceeded"
  | "MapStateFailed"
  | "MapStateAborted"
  | "MapIterationStarted"
  | "MapIterationSucceeded"
  | "MapIterationFailed"
  | "MapIterationAborted"
  | "ParallelStateStarted"
  | "ParallelStateSucceeded"
  | "ParallelStateFailed"
  | "ParallelStateAborted"
  | "EvaluationFailed";

/** One history event as sfn-local keeps it; details may be filled in shortly after creation. */
export interface HistoryRecord {
  id: number;
  previousEventId: number;
  timestamp: Date;
  type: HistoryEventType;
  details: Record<string, unknown> | undefined;
}

/** The events of one execution, in order, with ids starting at 1 like AWS's. */
export class HistoryLog {
  private readonly records: HistoryRecord[] = [];

  /** Id of the newest event (0 when there is none). */
  get lastId(): number {
    return this.records.length;
  }

  /** Appends an event. */
  add(
    type: HistoryEventType,
    previousEventId: number,
    details?: Record<string, unknown>,
    timestamp = new Date(),
  ): HistoryRecord {
    const record: HistoryRecord = {
      id: this.records.length + 1,
      previousEventId,
      timestamp,
      type,
      details,
    };
    this.records.push(record);
    return record;
  }

  /** Every event so far, oldest first. */
  all(): readonly HistoryRecord[] {
    return this.records;
  }
}

function detailsKey(type: HistoryEventType): string {
  if (type.endsWith("StateEntered")) return "stateEnteredEventDetails";
  if (type.endsWith("StateExited")) return "stateExitedEventDetails";
  return `${type.charAt(0).toLowerCase()}${type.slice(1)}EventDetails`;
}

const EXECUTION_DATA_FIELDS = [
  "input",
  "inputDetails",
  "output",
  "outputDetails",
  "assignedVariables",
  "assignedVariablesDetails",
];

/**
 * Renders an event as GetExecutionHistory returns it on the wire (timestamps in epoch seconds).
 * Without execution data, inputs and outputs are left out as AWS does.
 */
export function renderHistoryEvent(
  record: HistoryRecord,
  includeExecutionData: boolean,
): Record<string, unknown> {
  const event: Record<string, unknown> = {
    timestamp: record.timestamp.getTime() / 1000,
    type: record.type,
    id: record.id,
    previousEventId: record.previousEventId,
  };
  if (record.details) {
    const details = { ...record.details };
    if (!includeExecutionData) for (const field of EXECUTION_DATA_FIELDS) delete details[field];
    event[detailsKey(record.type)] = details;
  }
  return event;
}

/**
 * The fields of an exited event that list what the state assigned: each value as JSON text, as
 * AWS shows them.
 */
export function assignedVariablesDetails(values: Record<string, unknown>): Record<string, unknown> {
  const assignedVariables: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) {
    assignedVariables[name] = JSON.stringify(value);
  }
  return { assignedVariables, assignedVariablesDetails: { truncated: false } };
}
