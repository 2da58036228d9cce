package analyze

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
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
	line  bytes.Buffer
	enc   *json.Encoder
}

// NewJSONWriter writes to out; the temporary file goes in dir ("" for the
// system's).
func NewJSONWriter(out io.Writer, dir string) (*JSONWriter, error) {
	f, err := os.CreateTemp(dir, "provtap-findings-*.jsonl")
	if err != nil {
		return nil, fmt.Errorf("a temporary file for the findings: %w", err)
	}
	j := &JSONWriter{out: out, spill: f, buf: bufio.NewWriterSize(f, 256<<10), set: NewProblemSet()}
	j.enc = json.NewEncoder(&j.line)
	j.enc.SetEscapeHTML(false) // as Report.WriteJSON
	return j, nil
}

// problemMark stands for the problem ID in a spilled finding until it is known.
const problemMark = 987654321

// Add records one finding.
func (j *JSONWriter) Add(fd Finding) error {
	idx := j.set.Add(fd)
	if fd.Related == nil {
		fd.Related = []int{}
	}
	fd.Problem = problemMark
	j.line.Reset()
	j.line.WriteString(strconv.Itoa(idx))
	j.line.WriteByte('\t')
	if err := j.enc.Encode(fd); err != nil { // ends with a newline
		return err
	}
	_, err := j.buf.Write(j.line.Bytes())
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
	var indented bytes.Buffer
	for n := 0; ; n++ {
		line, err := r.ReadBytes('\n')
		if len(line) == 0 && err == io.EOF {
			if n > 0 {
				w.WriteString("\n  ")
			}
			break
		}
		if err != nil && err != io.EOF {
			return err
		}
		tab := bytes.IndexByte(line, '\t')
		idx, _ := strconv.Atoi(string(line[:tab]))
		body := bytes.Replace(bytes.TrimSuffix(line[tab+1:], []byte("\n")), mark, []byte(strconv.Itoa(ids[idx])), 1)
		indented.Reset()
		if err := json.Indent(&indented, body, "    ", "  "); err != nil {
			return err
		}
		if n > 0 {
			w.WriteByte(',')
		}
		w.WriteString("\n    ")
		w.Write(indented.Bytes())
	}
	w.WriteString("]\n}\n")
	return w.Flush()
}
