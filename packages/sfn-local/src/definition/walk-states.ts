import { isJsonObject, type JsonObject } from "../json.ts";

/** Calls `visit` for every state, including those inside Map item processors and Parallel branches. */
export function walkStates(
  machine: JsonObject,
  visit: (name: string, state: JsonObject, pointer: string) => void,
  pointer = "",
): void {
  if (!isJsonObject(machine.States)) return;
  for (const [name, state] of Object.entries(machine.States)) {
    if (!isJsonObject(state)) continue;
    const statePointer = `${pointer}/States/${name}`;
    visit(name, state, statePointer);
    const processor = state.ItemProcessor ?? state.Iterator;
    if (isJsonObject(processor)) {
      const key = state.ItemProcessor === undefined ? "Iterator" : "ItemProcessor";
      walkStates(processor, visit, `${statePointer}/${key}`);
    }
    if (Array.isArray(state.Branches)) {
      state.Branches.forEach((branch, index) => {
        if (isJsonObject(branch)) walkStates(branch, visit, `${statePointer}/Branches/${index}`);
      });
    }
  }
}
