package analyze

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// The findings' texts: which operations break RFC 7644, what it expects, the fix.

func (a *SCIMPatchDialect) refusedFinding(fx *Facts, ref Refusal, p *patchParse, st, detail string) Finding {
	f := fx.Flow
	var d strings.Builder
	d.WriteString("This PATCH " + shorten(pathOnly(f), 64) + " sent a PatchOp outside RFC 7644 §3.5.2: ")
	d.WriteString(p.said)
	d.WriteString(" The server refused it: ")
	if ref.How == "error-in-2xx" {
		fmt.Fprintf(&d, "a SCIM Error under %d", f.Status)
	} else {
		d.WriteString(strconv.Itoa(f.Status))
	}
	if st != "" {
		fmt.Fprintf(&d, " with scimType %q", st)
	}
	if detail != "" {
		fmt.Fprintf(&d, ", detail “%s”", detail)
	} else if ref.Reason != "" {
		fmt.Fprintf(&d, ": “%s”", ref.Reason)
	}
	d.WriteString(".")
	return Finding{Kind: KindSCIMPatchDialect, Severity: Error, Flow: f.ID, Related: []int{},
		Title:  "PATCH " + shorten(pathOnly(f), 64) + " refused: " + p.headline,
		Detail: d.String(), Fix: p.fix}
}

func (a *SCIMPatchDialect) acceptedFinding(h *patchHeld) Finding {
	var d strings.Builder
	fmt.Fprintf(&d, "This PATCH %s sent a PatchOp outside RFC 7644 §3.5.2: ", h.path)
	d.WriteString(h.p.said)
	fmt.Fprintf(&d, " The server answered %d: it accepts this dialect; a strict SCIM server would refuse it (400 invalidValue, invalidSyntax or noTarget).", h.status)
	d.WriteString(h.note)
	fd := Finding{Kind: KindSCIMPatchDialect, Severity: Info, Flow: h.flow, Related: related(h.flow, []int{h.readBy}),
		Title:  "PATCH " + h.path + " sent a non-RFC 7644 PatchOp (" + h.p.headline + "); the server took it",
		Detail: d.String(), Fix: h.p.fix}
	fd.group = h.group + "\x00accepted"
	return fd
}

// ignoredFinding: the server answered 2xx but the resource (in the 200, or
// GET #get) shows a change the PatchOp meant did not happen.
func (a *SCIMPatchDialect) ignoredFinding(h *patchHeld, get int, miss string) Finding {
	var d strings.Builder
	fmt.Fprintf(&d, "This PATCH %s sent a PatchOp outside RFC 7644 §3.5.2: ", h.path)
	d.WriteString(h.p.said)
	where := "the resource the server answered with"
	if get != 0 {
		where = fmt.Sprintf("GET #%d of the same resource", get)
	}
	fmt.Fprintf(&d, " The server answered %d, but %s shows %s: it silently ignored what it could not parse.", h.status, where, miss)
	fd := Finding{Kind: KindSCIMPatchDialect, Severity: Warning, Flow: h.flow, Related: related(h.flow, []int{get}),
		Title:  fmt.Sprintf("PATCH %s answered %d but not applied: %s", h.path, h.status, h.p.headline),
		Detail: d.String(), Fix: h.p.fix}
	fd.group = h.group + "\x00ignored"
	return fd
}

func writeIssues(d *strings.Builder, issues []patchIssue) {
	for i, is := range issues {
		if i > 0 {
			d.WriteString(" ")
		}
		fmt.Fprintf(d, "%s is %s — %s.", is.pointer, is.sent, is.expect)
	}
}

// issueHeadline names the issues briefly for a title.
func issueHeadline(issues []patchIssue) string {
	seen := map[string]bool{}
	var parts []string
	for _, is := range issues {
		if seen[is.code] {
			continue
		}
		seen[is.code] = true
		switch is.code {
		case "op-case", "op-unknown":
			parts = append(parts, is.sent)
		case "string-boolean":
			parts = append(parts, "boolean as a string "+is.sent)
		case "remove-no-path":
			parts = append(parts, "remove without a path")
		case "remove-value":
			parts = append(parts, "remove with a value")
		case "dotted-key":
			parts = append(parts, "dotted key "+is.sent+" without a path")
		case "null-ref":
			parts = append(parts, `"$ref": null`)
		}
	}
	return shorten(strings.Join(parts, ", "), 90)
}

func issueCodes(issues []patchIssue) string {
	var codes []string
	for _, is := range issues {
		if len(codes) == 0 || !contains(codes, is.code) {
			codes = append(codes, is.code)
		}
	}
	sort.Strings(codes)
	return strings.Join(codes, ",")
}

// patchFix says what to change, for the issues found, in a fixed order.
func patchFix(issues []patchIssue) string {
	has := map[string]bool{}
	for _, is := range issues {
		has[is.code] = true
	}
	var server []string
	if has["op-case"] || has["op-unknown"] {
		server = append(server, `compare "op" case-insensitively`)
	}
	if has["string-boolean"] {
		server = append(server, `accept "True"/"False" for boolean attributes`)
	}
	if has["remove-no-path"] || has["remove-value"] {
		server = append(server, "treat a path-less remove with a value as removing exactly those values")
	}
	if has["dotted-key"] {
		server = append(server, `read a dotted key in a path-less value as a sub-attribute path`)
	}
	if has["null-ref"] {
		server = append(server, `ignore "$ref": null`)
	}
	return "Make the connector send RFC 7644 PATCH: for Microsoft Entra ID provisioning, add the feature flag " +
		"`?aadOptscim062020` to the Tenant URL (lower-case ops, real booleans, removes with a path); for other connectors, " +
		"their SCIM 2.0/RFC-compliant PATCH option or a PATCH body template that follows RFC 7644 §3.5.2. " +
		"Or make the server's PATCH parsing lenient: " + strings.Join(server, "; ") + "."
}
