/**
 * The library's messages name settings as the command line spells them (`--peak scale lowers the whole clip
 * instead`); the web page shows them with the names its form uses. Pure, so that the page's wording is testable.
 */
import { OPTION_NAMES, type TransferSettings } from '../pipeline/settings.js';

/**
 * `text` with each command-line option that the page has a control for replaced by that control's label in quotes
 * (`--peak` → “If it would clip”); `labels` gives the settings' labels, `others` those of options that are not
 * settings (e.g. `--mono`). Options the page has no control for stay as they are.
 */
export function inFormWords(text: string, labels: Partial<Record<keyof TransferSettings, string>>, others: Record<string, string> = {}): string {
  const byOption = new Map<string, string>(Object.entries(others));
  for (const [key, option] of Object.entries(OPTION_NAMES) as [keyof TransferSettings, string][]) {
    const label = labels[key];
    if (label !== undefined) byOption.set(option, label);
  }
  // Whole options only: --kernels is not --kernel followed by "s".
  return text.replace(/--[a-z][a-z-]*[a-z]/g, (option) => {
    const label = byOption.get(option);
    return label === undefined ? option : `“${label}”`;
  });
}
