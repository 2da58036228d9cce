package proxy

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/export"
)

// Replayer sends a captured request again through provtap's upstream
// settings, as export.NewRequest builds it (the bytes the exported curl
// command sends), and returns the exchange as a new flow linked to the
// original (ReplayOf). Provisioning calls have side effects: callers must
// ask the user first. Both replayers here also have SendRaw, which sends
// request bytes edited by the user as they are to the original's upstream.
type Replayer interface {
	Replay(ctx context.Context, f *capture.Flow) (*capture.Flow, error)
}

// Replay sends f through the proxy's upstream settings. The new flow also
// arrives on Flows(), so it is recorded and analyzed like any other.
func (p *Proxy) Replay(ctx context.Context, f *capture.Flow) (*capture.Flow, error) {
	raw, err := replayBytes(f)
	if err != nil {
		return nil, err
	}
	return p.SendRaw(ctx, f, raw)
}

// SendRaw implements Replayer; the new flow arrives on Flows() too.
func (p *Proxy) SendRaw(ctx context.Context, orig *capture.Flow, raw []byte) (*capture.Flow, error) {
	id, start := p.nextID()
	out, err := p.sender.send(ctx, orig, raw, id, start)
	if out != nil {
		p.queue.push(out)
	}
	return out, err
}

// OfflineReplayer replays flows of a saved capture (`provtap open`).
type OfflineReplayer struct {
	sender *rawSender
	mu     sync.Mutex
	lastID int
}

// NewReplayer makes a replayer with opts' upstream settings (upstream proxy,
// --insecure-upstream, --max-body); new flows are numbered after lastID.
func NewReplayer(opts Options, lastID int) *OfflineReplayer {
	opts = withDefaults(opts)
	return &OfflineReplayer{sender: newRawSender(opts), lastID: lastID}
}

// Replay implements Replayer.
func (r *OfflineReplayer) Replay(ctx context.Context, f *capture.Flow) (*capture.Flow, error) {
	raw, err := replayBytes(f)
	if err != nil {
		return nil, err
	}
	return r.SendRaw(ctx, f, raw)
}

// SendRaw implements Replayer.
func (r *OfflineReplayer) SendRaw(ctx context.Context, orig *capture.Flow, raw []byte) (*capture.Flow, error) {
	r.mu.Lock()
	r.lastID++
	id := r.lastID
	r.mu.Unlock()
	return r.sender.send(ctx, orig, raw, id, time.Now().Truncate(time.Microsecond))
}

// ErrTruncatedBody: the capture kept only part of the body, so the request
// cannot be sent again as it was.
var ErrTruncatedBody = errors.New("the request body was truncated at --max-body when captured; it cannot be replayed exactly")

// replayBytes is f's request as the export builds it.
func replayBytes(f *capture.Flow) ([]byte, error) {
	if f.RequestBody.Truncated {
		return nil, ErrTruncatedBody
	}
	return export.NewRequest(f).Bytes(), nil
}
