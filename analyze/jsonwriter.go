package analyze

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/provtap/provtap/capture"
)

// JSONWriter writes the stable JSON report of findings that arrive one at
// a time (`provtap analyze --format json` on a night's capture), in memory
// that follows the number of problems, not of findings: findings wait until
// the end, when the problems, worst first, are known — in memory up to
// spillAt bytes of them, then in a temporary file. The output is the same
// as Report.WriteJSON's, with findings in the order they were added.
type JSONWriter struct {
	out  io.Writer
	dir  string
	set  *ProblemSet
	line []byte

	// mem holds the findings while they fit in spillAt, each already
	// indented as the report writes it, in chunks (no finding spans two:
	// growing one buffer would copy it over and over); held frames them.
	mem     [][]byte
	memSize int
	held    []heldFinding
	spillAt int

	spill *os.File // nil until mem overflows
	buf   *bufio.Writer
}

// heldFinding frames one finding in mem: it is chunk[start:end], and its
// problem ID goes at mark (problemMark's place).
type heldFinding struct {
	problem, chunk, start, end, mark int
}

// memChunk is the size of mem's chunks.
const memChunk = 1 << 20

// spillAt is how many bytes of findings a report keeps in memory (a
// 100k-flow capture's fit) before it moves them to a temporary file.
const spillAt = 64 << 20

// NewJSONWriter writes to out; a temporary file, if one is needed, goes in
// dir ("" for the system's).
func NewJSONWriter(out io.Writer, dir string) (*JSONWriter, error) {
	return &JSONWriter{out: out, dir: dir, set: NewProblemSet(), spillAt: spillAt}, nil
}

// problemMark stands for the problem ID in a held finding until it is known.
const problemMark = 987654321

// Add records one finding, already indented as the report writes it, so
// Close only copies it and puts the problem ID in.
func (j *JSONWriter) Add(fd Finding) error {
	idx := j.set.Add(fd)
	if fd.Related == nil {
		fd.Related = []int{}
	}
	fd.Problem = problemMark
	body := appendFinding(j.line[:0], &fd)
	j.line = body
	if j.spill == nil {
		if j.memSize+len(body) <= j.spillAt {
			j.hold(idx, body)
			return nil
		}
		if err := j.spillHeld(); err != nil {
			return err
		}
	}
	return j.writeSpilled(idx, body)
}

// hold copies a finding into mem.
func (j *JSONWriter) hold(idx int, body []byte) {
	n := len(j.mem) - 1
	if n < 0 || len(j.mem[n])+len(body) > cap(j.mem[n]) {
		j.mem = append(j.mem, make([]byte, 0, max(memChunk, len(body))))
		n++
	}
	start := len(j.mem[n])
	j.mem[n] = append(j.mem[n], body...)
	j.memSize += len(body)
	j.held = append(j.held, heldFinding{idx, n, start, start + len(body), start + bytes.Index(body, problemMarkText)})
}

var problemMarkText = []byte(strconv.Itoa(problemMark))

// spillHeld moves the findings held in memory to a temporary file: from
// now on every finding goes there, framed by its problem's index and its
// length.
func (j *JSONWriter) spillHeld() error {
	f, err := os.CreateTemp(j.dir, "provtap-findings-*.jsonl")
	if err != nil {
		return fmt.Errorf("a temporary file for the findings: %w", err)
	}
	j.spill, j.buf = f, bufio.NewWriterSize(f, 256<<10)
	for _, h := range j.held {
		if err := j.writeSpilled(h.problem, j.mem[h.chunk][h.start:h.end]); err != nil {
			return err
		}
	}
	j.mem, j.held = nil, nil
	return nil
}

func (j *JSONWriter) writeSpilled(idx int, body []byte) error {
	var head [32]byte
	h := strconv.AppendInt(head[:0], int64(idx), 10)
	h = append(h, ' ')
	h = strconv.AppendInt(h, int64(len(body)), 10)
	h = append(h, '\n')
	if _, err := j.buf.Write(h); err != nil {
		return err
	}
	_, err := j.buf.Write(body)
	return err
}

// Problems is what was added so far, grouped.
func (j *JSONWriter) Problems() *ProblemSet { return j.set }

// Discard removes the temporary file, if any, without writing a report.
func (j *JSONWriter) Discard() {
	j.mem, j.held = nil, nil
	if j.spill != nil {
		j.spill.Close()
		os.Remove(j.spill.Name())
	}
}

// Close writes the report for a capture of flows and removes the
// temporary file, if any.
func (j *JSONWriter) Close(flows int) error {
	if j.spill != nil {
		defer os.Remove(j.spill.Name())
		defer j.spill.Close()
		if err := j.buf.Flush(); err != nil {
			return err
		}
	}
	problems, ids := j.set.Sorted()
	if problems == nil {
		problems = []*Problem{}
	}
	w := bufio.NewWriterSize(j.out, 256<<10)
	var head bytes.Buffer
	enc := json.NewEncoder(&head)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(struct {
		Flows    int        `json:"flows"`
		Problems []*Problem `json:"problems"`
	}{flows, problems}); err != nil {
		return err
	}
	// {"flows": …, "problems": […] then , "findings": [ … ] }
	w.Write(bytes.TrimSuffix(head.Bytes(), []byte("\n}\n")))
	w.WriteString(",\n  \"findings\": [")
	var n int
	var err error
	if j.spill != nil {
		n, err = j.copySpilled(w, ids)
	} else {
		n = j.copyHeld(w, ids)
	}
	if err != nil {
		return err
	}
	if n > 0 {
		w.WriteString("\n  ")
	}
	w.WriteString("]\n}\n")
	return w.Flush()
}

// copyHeld writes the findings held in memory with their problem IDs.
func (j *JSONWriter) copyHeld(w *bufio.Writer, ids []int) int {
	for n, h := range j.held {
		if n > 0 {
			w.WriteByte(',')
		}
		w.WriteString("\n    ")
		c := j.mem[h.chunk]
		w.Write(c[h.start:h.mark])
		w.WriteString(strconv.Itoa(ids[h.problem]))
		w.Write(c[h.mark+len(problemMarkText) : h.end])
	}
	return len(j.held)
}

// copySpilled writes the findings read back from the temporary file with
// their problem IDs.
func (j *JSONWriter) copySpilled(w *bufio.Writer, ids []int) (int, error) {
	if _, err := j.spill.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	r := bufio.NewReaderSize(j.spill, 256<<10)
	var body []byte
	for n := 0; ; n++ {
		head, err := r.ReadSlice('\n')
		if err == io.EOF && len(head) == 0 {
			return n, nil
		}
		if err != nil {
			return n, fmt.Errorf("reading back the findings: %w", err)
		}
		idx, size, ok := parseFrame(head)
		if !ok || idx >= len(ids) {
			return n, fmt.Errorf("reading back the findings: a bad frame %q", head)
		}
		if cap(body) < size {
			body = make([]byte, size)
		}
		body = body[:size]
		if _, err := io.ReadFull(r, body); err != nil {
			return n, fmt.Errorf("reading back the findings: %w", err)
		}
		if n > 0 {
			w.WriteByte(',')
		}
		w.WriteString("\n    ")
		at := bytes.Index(body, problemMarkText)
		if at < 0 {
			return n, fmt.Errorf("reading back the findings: a finding without its problem")
		}
		w.Write(body[:at])
		w.WriteString(strconv.Itoa(ids[idx]))
		w.Write(body[at+len(problemMarkText):])
	}
}

// parseFrame reads "idx size\n".
func parseFrame(head []byte) (idx, size int, ok bool) {
	a, b, found := bytes.Cut(bytes.TrimSuffix(head, []byte("\n")), []byte(" "))
	if !found {
		return 0, 0, false
	}
	i, err1 := strconv.Atoi(string(a))
	s, err2 := strconv.Atoi(string(b))
	return i, s, err1 == nil && err2 == nil && i >= 0 && s >= 0
}

// appendFinding writes fd as Report.WriteJSON does inside "findings" (by
// hand: encoding/json's reflection and indenting were most of the cost of a
// report with many findings; TestJSONWriterEqualsReport holds them equal).
func appendFinding(b []byte, fd *Finding) []byte {
	const in = "\n      "
	b = append(b, "{"+in+`"kind": `...)
	b = capture.AppendJSONString(b, fd.Kind)
	b = append(b, ","+in+`"severity": `...)
	b = capture.AppendJSONString(b, fd.Severity.String())
	b = append(b, ","+in+`"flow": `...)
	b = strconv.AppendInt(b, int64(fd.Flow), 10)
	b = append(b, ","+in+`"related": [`...)
	for i, id := range fd.Related {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, in+"  "...)
		b = strconv.AppendInt(b, int64(id), 10)
	}
	if len(fd.Related) > 0 {
		b = append(b, in...)
	}
	b = append(b, "],"+in+`"problem": `...)
	b = strconv.AppendInt(b, int64(fd.Problem), 10)
	b = append(b, ","+in+`"title": `...)
	b = capture.AppendJSONString(b, fd.Title)
	b = append(b, ","+in+`"detail": `...)
	b = capture.AppendJSONString(b, fd.Detail)
	b = append(b, ","+in+`"fix": `...)
	b = capture.AppendJSONString(b, fd.Fix)
	return append(b, "\n    }"...)
}
