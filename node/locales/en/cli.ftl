# What the `tiepdan` command tells the person at the terminal (IT staff). Flags, codes and logs stay English.

## General
cli-cannot-read = Cannot read { $path }: { $detail }
cli-cannot-write = Cannot write { $path }: { $detail }

## Holiday calendars
cli-calendar-published-offline = Published the holiday calendar of { $year } ({ $days_off } days off). It is sent out when the node next runs.
cli-calendar-published-online = Published the holiday calendar of { $year } ({ $days_off } days off); the node is sending it out now.
