"""The CLI kit every command module uses: output and exit codes (`output`), this instance's
database (`local`), a server's client (`remote`), new passwords (`passwords`). The commands live
in their slices and in the composition root, `mlcontinuum.console`."""
