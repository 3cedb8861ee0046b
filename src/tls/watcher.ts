// Watches certificate files and calls back once per burst of changes (debounced). Fails soft: a
// directory that cannot be watched is reported through onError and skipped, never thrown.
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

/** Long enough to cover cert-then-key writes by a renewal tool; short enough to feel immediate. */
export const DEFAULT_DEBOUNCE_MS = 300;

export interface FileWatch {
  close(): void;
}

/**
 * Watch the directories that hold `files` rather than the files themselves: renewal tools and
 * editors replace a file by renaming over it or re-pointing a symlink, which ends a watch on the file.
 */
export function watchFiles(
  files: readonly string[],
  onChange: () => void,
  onError: (directory: string, err: Error) => void,
  debounceMs = DEFAULT_DEBOUNCE_MS,
): FileWatch {
  let timer: NodeJS.Timeout | undefined;
  const trigger = (): void => {
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
    timer.unref();
  };
  const watchers: FSWatcher[] = [];
  for (const [directory, names] of groupByDirectory(files)) {
    const watcher = watchDirectory(directory, names, trigger, onError);
    if (watcher) watchers.push(watcher);
  }
  return {
    close() {
      clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
    },
  };
}

function watchDirectory(
  directory: string,
  names: ReadonlySet<string>,
  trigger: () => void,
  onError: (directory: string, err: Error) => void,
): FSWatcher | undefined {
  try {
    // Not persistent: watching certificates must never be what keeps the process alive.
    const watcher = watch(directory, { persistent: false }, (_event, filename) => {
      if (filename === null || names.has(filename)) trigger();
    });
    watcher.on('error', (err: Error) => onError(directory, err));
    return watcher;
  } catch (err) {
    onError(directory, err instanceof Error ? err : new Error(String(err)));
    return undefined;
  }
}

function groupByDirectory(files: readonly string[]): Map<string, Set<string>> {
  const byDirectory = new Map<string, Set<string>>();
  for (const file of files) {
    const absolute = resolve(file);
    const directory = dirname(absolute);
    const names = byDirectory.get(directory) ?? new Set<string>();
    names.add(basename(absolute));
    byDirectory.set(directory, names);
  }
  return byDirectory;
}
