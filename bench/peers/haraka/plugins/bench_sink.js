// Petrel bench: accept every recipient and discard every message.
// Also answers the rDNS lookup itself, so Haraka never queries a DNS server
// (the bench talks to nothing but 127.0.0.1).

exports.hook_lookup_rdns = function (next) {
    next(OK, 'localhost')
}

exports.hook_rcpt = function (next) {
    next(OK)
}

exports.hook_queue = function (next) {
    next(OK)
}
