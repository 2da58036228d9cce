package ui

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/har"
)

// row is one flow as the UI holds it: what the list shows, sorts and
// filters on, and where the capture file keeps the rest. No headers, no
// bodies, no full URL: a night's run of 10⁶ flows costs about 150 bytes a
// flow here. The whole flow is read back through the store (store.full)
// when it is shown, copied, diffed, replayed, edited or filtered on by a
// header or body; a flow the capture file does not hold (nothing is being
// recorded, a replay made by the UI) is kept whole in full.
type row struct {
	id       int
	seq      int32 // the order the store received it in
	status   int16
	mark     analyze.Severity // worst finding on this flow
	flags    uint8
	replayOf int32
	start    int64 // unix nanoseconds; noStart when unknown
	dur      time.Duration
	reqSize  int64
	respSize int64
	kind     string // capture.Kind* (interned)
	method   string // as on the request line ("" for a failed handshake)
	host     string // host:port as the list shows it (interned)
	path     string // the path cell, at most pathKept bytes (rowPathCut: shortened)
	loc      har.Loc
	full     *capture.Flow // only when loc does not point into the capture file
	fnd      []fref        // the findings on this flow (problems.go)
}

const (
	rowHasError     = 1 << iota // no response, with an error
	rowPathCut                  // path holds only the first pathKept bytes
	rowReqTruncated             // the request body was not kept whole
	rowTunnel                   // a connection that carried no request: the path cell is its host
)

// pathKept bounds the path a row keeps: more than any list column shows.
const pathKept = 160

const noStart = math.MinInt64

// newRow is f's row. The store interns kind and host.
func newRow(f *capture.Flow, loc har.Loc, kind, host string) *row {
	r := &row{id: f.ID, status: int16(f.Status), replayOf: int32(f.ReplayOf), start: noStart, dur: f.Duration(),
		reqSize: f.RequestBody.Size, respSize: f.ResponseBody.Size, method: f.Method, kind: kind, host: host, loc: loc}
	if !f.Start.IsZero() {
		r.start = f.Start.UnixNano()
	}
	if f.Kind == capture.KindTLSFailure || f.Method == "CONNECT" && f.Target == "" {
		r.flags |= rowTunnel
	}
	if f.Status == 0 && f.Error != "" {
		r.flags |= rowHasError
	}
	if f.RequestBody.Truncated {
		r.flags |= rowReqTruncated
	}
	p := pathText(f)
	if len(p) > pathKept {
		cut := pathKept
		for cut > 0 && !utf8.RuneStart(p[cut]) {
			cut--
		}
		p, r.flags = p[:cut], r.flags|rowPathCut
	}
	r.path = strings.Clone(p) // not a slice of the flow's URL, which would keep it alive
	if !loc.Valid() {
		r.full = f
	}
	return r
}

// startTime is when the request started (zero when unknown).
func (r *row) startTime() time.Time {
	if r.start == noStart {
		return time.Time{}
	}
	return time.Unix(0, r.start)
}

// statusText is the status cell (statusText of the flow).
func (r *row) statusText() string {
	switch {
	case r.kind == capture.KindTLSFailure:
		return "TLS"
	case r.status == 0 && r.flags&rowHasError != 0:
		return "ERR"
	case r.status == 0:
		return "-"
	}
	return strconv.Itoa(int(r.status))
}

// methodText is the method cell (methodText of the flow).
func (r *row) methodText() string {
	if r.method == "" {
		if r.kind == capture.KindTLSFailure {
			return "TLS"
		}
		return "-"
	}
	return r.method
}

// meta is the row as a flow without headers or bodies: what needs only the
// metadata (unsendable, the status of a flow) takes it; the rest reads the
// whole flow back (store.full).
func (r *row) meta() *capture.Flow {
	if r.full != nil {
		return r.full
	}
	f := &capture.Flow{ID: r.id, Kind: r.kind, Method: r.method, Status: int(r.status), ReplayOf: int(r.replayOf),
		Start: r.startTime(), RequestBody: capture.Body{Size: r.reqSize, Truncated: r.flags&rowReqTruncated != 0},
		ResponseBody: capture.Body{Size: r.respSize}}
	f.End = f.Start.Add(r.dur)
	host, port, _ := strings.Cut(r.host, ":")
	f.Host, f.Port = host, atoiOr0(port)
	if r.flags&rowHasError != 0 {
		f.Error = "no response"
	}
	if r.flags&rowTunnel == 0 {
		f.Target = r.path
	}
	return f
}

func atoiOr0(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
