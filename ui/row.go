package ui

import (
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/har"
)

// row is one flow as the UI holds it: what the list shows, sorts and
// filters on, and where the capture file keeps the rest. No headers, no
// bodies, no full URL, and no pointer: its host and path are numbers into
// the store's rowTexts, so the collector never scans the slabs rows live
// in. 96 bytes and its path: a night's run of 10⁶ flows costs about 140 MB
// here. The whole flow is read back through the store (store.full) when it
// is shown, copied, diffed, replayed, edited or filtered on by a header or
// body; a flow the capture file does not hold (nothing is being recorded, a
// replay made by the UI) is kept whole in rowTexts.
type row struct {
	id       int
	replayOf int32
	seq      int32 // the order the store received it in
	f0       int32 // the problem of its first finding (nf > 0); the rest are in store.more
	reqSize  uint32
	respSize uint32 // sizes saturate at 4 GiB
	method   uint16 // as on the request line ("" for a failed handshake): a label
	kind     uint16 // capture.Kind*: a label
	status   int16
	flags    uint8
	mark     int8 // the worst finding's severity on this flow
	nf       uint8
	f0sev    int8
	start    int64 // unix nanoseconds; noStart when unknown
	dur      time.Duration
	host     textRef // host:port as the list shows it (one copy per host)
	path     textRef // the path cell, at most pathKept bytes (rowPathCut: shortened)
	full     int32   // the flow kept whole (rowTexts.full), when loc does not point into the capture file
	loc      har.Loc
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

// fillRow sets r from f (all but host, path and the flow kept whole, which
// the store's rowTexts hold).
func fillRow(r *row, f *capture.Flow, loc har.Loc) {
	*r = row{id: f.ID, status: int16(f.Status), replayOf: int32(f.ReplayOf), start: noStart, dur: f.Duration(),
		reqSize: size32(f.RequestBody.Size), respSize: size32(f.ResponseBody.Size), method: label(f.Method),
		kind: label(f.Kind), loc: loc}
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
}

// rowPath is f's path cell as a row keeps it: at most pathKept bytes.
func rowPath(f *capture.Flow) (string, bool) {
	p := pathText(f)
	if len(p) <= pathKept {
		return p, false
	}
	cut := pathKept
	for cut > 0 && !utf8.RuneStart(p[cut]) {
		cut--
	}
	return p[:cut], true
}

func size32(n int64) uint32 { return uint32(min(max(n, 0), math.MaxUint32)) }

// sev is the worst finding's severity.
func (r *row) sev() analyze.Severity { return analyze.Severity(r.mark) }

func (r *row) methodName() string { return labelText(r.method) }

func (r *row) kindName() string { return labelText(r.kind) }

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
	case r.kindName() == capture.KindTLSFailure:
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
	if m := r.methodName(); m != "" {
		return m
	}
	if r.kindName() == capture.KindTLSFailure {
		return "TLS"
	}
	return "-"
}

// meta is the row as a flow without headers or bodies: what needs only the
// metadata (unsendable, the status of a flow) takes it; the rest reads the
// whole flow back (store.full).
func (r *row) meta(t *rowTexts) *capture.Flow {
	if f := t.full(r.full); f != nil {
		return f
	}
	f := &capture.Flow{ID: r.id, Kind: r.kindName(), Method: r.methodName(), Status: int(r.status), ReplayOf: int(r.replayOf),
		Start: r.startTime(), RequestBody: capture.Body{Size: int64(r.reqSize), Truncated: r.flags&rowReqTruncated != 0},
		ResponseBody: capture.Body{Size: int64(r.respSize)}}
	f.End = f.Start.Add(r.dur)
	host, port, _ := strings.Cut(t.text(r.host), ":")
	f.Host, f.Port = host, atoiOr0(port)
	if r.flags&rowHasError != 0 {
		f.Error = "no response"
	}
	if r.flags&rowTunnel == 0 {
		f.Target = t.text(r.path)
	}
	return f
}

func atoiOr0(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// labels is the few strings rows name by number (methods, flow kinds),
// shared by every store. The table is replaced whole when it grows, so a
// background filter scan reads it without a lock.
var labels struct {
	mu    sync.Mutex
	index map[string]uint16
	names atomic.Pointer[[]string]
}

// label is s's number; past 65,535 distinct labels (not HTTP methods any
// more) a new one reads as "…".
func label(s string) uint16 {
	labels.mu.Lock()
	defer labels.mu.Unlock()
	if i, ok := labels.index[s]; ok {
		return i
	}
	var names []string
	if p := labels.names.Load(); p != nil {
		names = *p
	}
	if labels.index == nil {
		labels.index = map[string]uint16{}
	}
	if len(names) == 0 {
		names = []string{"", "…"}
		labels.index[""], labels.index["…"] = 0, 1
		if s == "" {
			labels.names.Store(&names)
			return 0
		}
	}
	if len(names) > math.MaxUint16 {
		return 1
	}
	grown := append(append(make([]string, 0, len(names)+1), names...), strings.Clone(s))
	i := uint16(len(grown) - 1)
	labels.index[grown[i]] = i
	labels.names.Store(&grown)
	return i
}

func labelText(i uint16) string {
	if p := labels.names.Load(); p != nil && int(i) < len(*p) {
		return (*p)[i]
	}
	return ""
}
