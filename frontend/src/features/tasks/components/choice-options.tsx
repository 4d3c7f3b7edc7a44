/** `<option>`s for a fixed list of values with their labels (statuses, priorities). */
export function ChoiceOptions<T extends string>({ values, labels }: { values: readonly T[]; labels: Record<T, string> }) {
  return values.map((value) => (
    <option key={value} value={value}>
      {labels[value]}
    </option>
  ));
}
