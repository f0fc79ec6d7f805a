package attachments_test

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"talentflow/internal/app"
	"talentflow/internal/app/attachments"
)

// FuzzCleanFileName: whatever name an upload claims, the name kept has no path, no control
// characters, is valid UTF-8 and short, or the upload is refused naming "file".
func FuzzCleanFileName(f *testing.F) {
	for _, s := range []string{"degree.pdf", "../../etc/passwd", "C:\\\\Users\\\\li\\\\学位证书.pdf", "", ".", "..", "/", "a\\x00b.pdf", strings.Repeat("长", 100) + ".pdf", " 证明.jpg "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		got, err := attachments.CleanFileName(name)
		if err != nil {
			if e, ok := err.(*app.Error); !ok || e.Field != "file" {
				t.Fatalf("%q refused with %v", name, err)
			}
			return
		}
		switch {
		case got == "" || got == "." || got == "..":
			t.Fatalf("%q kept as %q", name, got)
		case strings.ContainsAny(got, "/\\\\"):
			t.Fatalf("%q keeps a path: %q", name, got)
		case len(got) > 200 || !utf8.ValidString(got) || strings.ContainsFunc(got, unicode.IsControl):
			t.Fatalf("%q kept as %q", name, got)
		}
	})
}
