package analyze

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/provtap/provtap/capture/httpx"
)

// The unresolved-template findings' texts.

// showValue is a value for texts: quoted, shortened, a credential masked.
func showValue(field, v string) string {
	name := fieldWord(field)
	if httpx.IsCredentialHeader(name) || httpx.IsSecretField(name) || httpx.IsCredentialParam(name) {
		return strconv.Quote(maskSecret(v))
	}
	return strconv.Quote(shorten(v, 80))
}

// fieldName is "the JSON body's /email" for texts.
func fieldName(h templateHit) string {
	switch h.where {
	case "JSON body":
		return "the JSON body's " + h.field
	case "form body":
		return "form field " + h.field
	case "query":
		return "query parameter " + h.field
	case "path":
		return "path " + h.field
	case "XML body":
		return "the XML body's " + h.field
	}
	return "header " + h.field
}

// shortField is the field in a title: "/email" → "email".
func shortField(h templateHit) string {
	if h.where == "JSON body" {
		return strings.TrimPrefix(h.field, "/")
	}
	return h.field
}

func templateFinding(fx *Facts, ref Refusal, refused bool, h templateHit, sib *opSample, sibValue string, sibHas bool, sev Severity) Finding {
	f := fx.Flow
	op := f.Method + " " + shorten(fx.Path, 60)
	var title, what, fix string
	shown := showValue(h.field, h.match)
	switch h.form {
	case formEmpty:
		title = fmt.Sprintf("%s sent %s empty", op, shortField(h))
		if h.value == "" && h.where == "JSON body" {
			what = fmt.Sprintf("%s was empty (\"\" or null)", fieldName(h))
		} else {
			what = fmt.Sprintf("%s was empty", fieldName(h))
		}
		fix = fmt.Sprintf("Map %s for this operation: the identity lacks the attribute, or the connector's mapping for %s "+
			"does not fill it. Make the provisioning policy require it, or leave the field out when the target allows that.",
			fieldWord(h.field), op)
	case formNull:
		title = fmt.Sprintf("%s sent %s as the string %q", op, shortField(h), h.match)
		what = fmt.Sprintf("%s was the string %q: a missing value written out by the template", fieldName(h), h.match)
		fix = fmt.Sprintf("Map %s (the source attribute is empty), or leave the field out when it has no value; "+
			"send JSON null only where the API takes it.", fieldWord(h.field))
	default:
		title = fmt.Sprintf("%s sent the unfilled placeholder %s in %s", op, shorten(shown, 50), shortField(h))
		what = fmt.Sprintf("%s carried %s, %s placeholder the connector never filled", fieldName(h), shown, placeholderStyle(h.form))
		if !h.whole {
			what += fmt.Sprintf(" (in %s)", showValue(h.field, h.value))
		}
		fix = placeholderFix(h)
	}
	var d strings.Builder
	fmt.Fprintf(&d, "In %s (#%d), %s.", op, f.ID, what)
	switch {
	case ref.Refused:
		fmt.Fprintf(&d, " The server rejected the request: %s.", ref.Summary())
	case refused:
		fmt.Fprintf(&d, " The server answered %d: no resource has that literal name.", f.Status)
	case fx.Succeeded():
		d.WriteString(" The server accepted it: it may have stored the placeholder literally.")
	default:
		fmt.Fprintf(&d, " The server answered %d.", f.Status)
		if r := reasonFrom(fx.ResponseText(), f.ResponseHeader("Content-Type")); r != "" {
			d.WriteString(" “" + r + "”")
		}
	}
	var rel []int
	if sibHas && sib != nil {
		fmt.Fprintf(&d, " %s %s (#%d), which succeeded, sent %s there.", sib.method, shorten(sib.path, 60), sib.flow, showValue(h.field, sibValue))
		rel = append(rel, sib.flow)
	}
	return Finding{Kind: KindUnresolvedTemplate, Severity: sev, Flow: f.ID, Related: related(f.ID, rel),
		Title: title, Detail: d.String(), Fix: fix}
}

func placeholderStyle(form placeholderForm) string {
	switch form {
	case formDollar:
		return "an IdentityIQ-style $…$"
	case formBrace:
		return "a ${…}"
	case formMustache:
		return "a Mustache-style {{…}} (Okta, Postman, Handlebars)"
	}
	return "a %…%"
}

func placeholderFix(h templateHit) string {
	name := strings.Trim(h.match, "${}% ")
	switch h.form {
	case formDollar:
		return fmt.Sprintf("Fill %s: in the connector's operation (IdentityIQ Web Services: this operation's body, "+
			"URL or header template), make sure %s is in the provisioning plan — map the attribute in the account schema "+
			"and provisioning policy, spell it as the plan does — or leave the field out when it has no value.", h.match, name)
	case formBrace:
		return fmt.Sprintf("Define %s where the connector's template reads it (a variable or property of that name), "+
			"or leave the field out when it has no value.", name)
	case formMustache:
		return fmt.Sprintf("Define %s for the template (a Postman environment or collection variable, an Okta expression, "+
			"a Handlebars context field), or leave the field out when it has no value.", name)
	}
	return fmt.Sprintf("Expand %s before sending (an environment variable or connector macro of that name), "+
		"or leave the field out when it has no value.", h.match)
}
