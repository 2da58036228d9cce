package capture

// Version is provtap's version: printed by `provtap version` and written as
// the creator of every capture file.
const Version = "0.1.0"
