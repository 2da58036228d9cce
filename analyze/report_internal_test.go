package analyze

import "testing"

func TestMarkdownEscape(t *testing.T) {
	got := mdEscape("send `Cookie: A=<v>` or <b>x_y*")
	if got != "send `Cookie: A=<v>` or \\<b\\>x\\_y\\*" {
		t.Errorf("%q", got)
	}
	if mdCell("a|b") != `a\|b` {
		t.Error("pipes in table cells")
	}
}
