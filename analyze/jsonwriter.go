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
// that follows the number of problems, not of findings: findings wait in a
// temporary file until the end, when the problems, worst first, are known.
// The output is the same as Report.WriteJSON's, with findings in the order
// they were added.
type JSONWriter struct {
	out   io.Writer
	spill *os.File
	buf   *bufio.Writer
	set   *ProblemSet
	line  []byte
}

// NewJSONWriter writes to out; the temporary file goes in dir ("" for the
// system's).
func NewJSONWriter(out io.Writer, dir string) (*JSONWriter, error) {
	f, err := os.CreateTemp(dir, "provtap-findings-*.jsonl")
	if err != nil {
		return nil, fmt.Errorf("a temporary file for the findings: %w", err)
	}
	return &JSONWriter{out: out, spill: f, buf: bufio.NewWriterSize(f, 256<<10), set: NewProblemSet()}, nil
}

// problemMark stands for the problem ID in a spilled finding until it is known.
const problemMark = 987654321

// Add records one finding. It is spilled already indented as the report
// writes it, framed by its problem's index and its length, so Close only
// copies it and puts the problem ID in.
func (j *JSONWriter) Add(fd Finding) error {
	idx := j.set.Add(fd)
	if fd.Related == nil {
		fd.Related = []int{}
	}
	fd.Problem = problemMark
	body := appendFinding(j.line[:0], &fd)
	j.line = body
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

// Discard removes the temporary file without writing a report.
func (j *JSONWriter) Discard() {
	j.spill.Close()
	os.Remove(j.spill.Name())
}

// Close writes the report for a capture of flows and removes the
// temporary file.
func (j *JSONWriter) Close(flows int) error {
	defer os.Remove(j.spill.Name())
	defer j.spill.Close()
	if err := j.buf.Flush(); err != nil {
		return err
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
	if _, err := j.spill.Seek(0, io.SeekStart); err != nil {
		return err
	}
	r := bufio.NewReaderSize(j.spill, 256<<10)
	mark := []byte(strconv.Itoa(problemMark))
	var body []byte
	for n := 0; ; n++ {
		head, err := r.ReadSlice('\n')
		if err == io.EOF && len(head) == 0 {
			if n > 0 {
				w.WriteString("\n  ")
			}
			break
		}
		if err != nil {
			return fmt.Errorf("reading back the findings: %w", err)
		}
		var idx, size int
		if _, err := fmt.Sscanf(string(head), "%d %d\n", &idx, &size); err != nil {
			return fmt.Errorf("reading back the findings: %w", err)
		}
		if cap(body) < size {
			body = make([]byte, size)
		}
		body = body[:size]
		if _, err := io.ReadFull(r, body); err != nil {
			return fmt.Errorf("reading back the findings: %w", err)
		}
		if n > 0 {
			w.WriteByte(',')
		}
		w.WriteString("\n    ")
		at := bytes.Index(body, mark)
		w.Write(body[:at])
		w.WriteString(strconv.Itoa(ids[idx]))
		w.Write(body[at+len(mark):])
	}
	w.WriteString("]\n}\n")
	return w.Flush()
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
