/* `dienhong export`: exports recordings from the command line, and is what the hub runs as a
 * child process when a recording stops (docs/recording.md "Export"). */
#ifndef DH_CLI_EXPORT_H
#define DH_CLI_EXPORT_H

/* dienhong export --data DIR (--meeting M | --recording R) [--out DIR]
 * Exports the recording R, or every stopped (or failed, or earlier exported) recording of
 * meeting M. While it runs the store says EXPORTING with its progress; then READY with the
 * files, or FAILED with the reason. Exit status 0 when every export succeeded, 1 when one
 * failed, 2 on a usage error. */
int cli_export(int argc, char **argv);

#endif
