package adapters

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Rejection is one point a target refused, with the server's reason.
type Rejection struct {
	ID ID `json:"id"`
	// Message is the server's reason, cut to its first line and at most
	// MaxMessage bytes (ShortMessage).
	Message string `json:"message"`
}

// RejectedError is a write the target refused, wholly or in part. Error is
// one line (the count and the first three points with the server's
// reasons); Rejected holds every refused point, for --report and --json.
// Sinks return it wrapped with KindInvalid (see Rejected), so
// errors.As(err, &rejected) finds it and KindOf(err) is KindInvalid.
type RejectedError struct {
	// Endpoint starts the message: "weaviate 127.0.0.1:8080/Docs".
	Endpoint string `json:"endpoint"`
	// Partition the batch was written to; "" when not partitioned.
	Partition string `json:"partition,omitempty"`
	// Noun names the items: "points" (the default) or "objects".
	Noun string `json:"noun,omitempty"`
	// Total is the number of points in the batch.
	Total int `json:"total"`
	// First and Last are the batch's first and last ids (set with Whole).
	First ID `json:"first"`
	Last  ID `json:"last"`
	// Whole is true when the server refused the batch as a whole (Qdrant),
	// so that none of Total was written; Rejected then names the points
	// found to be at fault, possibly none.
	Whole bool `json:"whole,omitempty"`
	// Reason is the server's message for a whole batch, when it names no
	// point.
	Reason   string      `json:"reason,omitempty"`
	Rejected []Rejection `json:"rejected"`
}

// MaxMessage bounds a server message kept in a Rejection.
const MaxMessage = 200

// shownRejections is how many rejected points the one-line message names.
const shownRejections = 3

// Rejected returns a RejectedError as an error of kind KindInvalid.
func Rejected(e *RejectedError) error { return &Error{Kind: KindInvalid, Err: e} }

func (e *RejectedError) Error() string {
	noun := e.Noun
	if noun == "" {
		noun = "points"
	}
	var b strings.Builder
	if e.Endpoint != "" {
		b.WriteString(e.Endpoint + ": ")
	}
	where := ""
	if e.Partition != "" {
		where = fmt.Sprintf(" in partition %q", e.Partition)
	}
	if e.Whole {
		fmt.Fprintf(&b, "a batch of %d %s (ids %s to %s)%s was rejected, none written", e.Total, noun, e.First, e.Last, where)
	} else {
		fmt.Fprintf(&b, "%d of %d %s%s rejected", len(e.Rejected), e.Total, noun, where)
	}
	if len(e.Rejected) == 0 {
		if e.Reason != "" {
			b.WriteString(": " + e.Reason)
		}
		return b.String()
	}
	b.WriteString("; first: ")
	b.WriteString(firstRejections(strings.TrimSuffix(noun, "s"), e.Rejected))
	if e.Whole && e.Reason != "" {
		fmt.Fprintf(&b, " (server: %s)", e.Reason)
	}
	return b.String()
}

// firstRejections lists the first few rejections with their reasons,
// naming a reason once for the points that share it (a server often puts
// the object's own id in its message, which is ignored when comparing):
// "object a: vector lengths differ (also objects b, c); and 509 more".
func firstRejections(noun string, rs []Rejection) string {
	shown := rs[:min(len(rs), shownRejections)]
	type group struct {
		first Rejection
		also  []string
	}
	var groups []*group
	byReason := map[string]*group{}
	for _, r := range shown {
		id := r.ID.String()
		reason := r.Message
		if r.ID.IsUUID() { // an integer could be any number in the message
			reason = strings.ReplaceAll(reason, id, "")
		}
		if g, ok := byReason[reason]; ok {
			g.also = append(g.also, id)
			continue
		}
		g := &group{first: r}
		byReason[reason] = g
		groups = append(groups, g)
	}
	var parts []string
	for _, g := range groups {
		s := noun + " " + g.first.ID.String() + ": " + g.first.Message
		switch len(g.also) {
		case 0:
		case 1:
			s += fmt.Sprintf(" (also %s %s)", noun, g.also[0])
		default:
			s += fmt.Sprintf(" (also %ss %s)", noun, strings.Join(g.also, ", "))
		}
		parts = append(parts, s)
	}
	if more := len(rs) - len(shown); more > 0 {
		parts = append(parts, fmt.Sprintf("and %d more", more))
	}
	return strings.Join(parts, "; ")
}

// ShortMessage cuts a server message to its first non-empty line and at
// most MaxMessage bytes (on a character boundary, marked with "..."):
// servers answer a bad batch with kilobytes of repeated detail.
func ShortMessage(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	if len(s) <= MaxMessage {
		return s
	}
	cut := MaxMessage - len("...")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}
