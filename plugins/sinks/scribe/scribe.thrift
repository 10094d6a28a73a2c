// Scribe's logging service, the part the `scribe` metrics sink uses: one call, Log, taking a batch
// of (category, message) entries and answering OK or TRY_LATER (the server is busy: send the same
// batch again later). Scribe's own IDL declares `service scribe extends fb303.FacebookService`;
// fb303's status and counter calls are left out here: the sink never calls them, and a client
// built without them talks to a real scribe server all the same (Log's wire format does not change).
//
// Regenerate gen/ with ./generate.sh after editing this file.

namespace js scribe

enum ResultCode {
  OK = 0,
  TRY_LATER = 1
}

struct LogEntry {
  1: string category,
  2: string message
}

service scribe {
  ResultCode Log(1: list<LogEntry> messages)
}
