package newsgroups_test

import (
	"fmt"

	"github.com/godl/godl/text/newsgroups"
)

// Remove strips headers, a signature block and quoted lines, as scikit-learn does.
func ExampleRemove_Apply() {
	post := "From: alice@example.org\nSubject: Re: bikes\n\n" +
		"In article <1@b>, bob writes:\n> Which bike?\nThe red one.\nIt is fast.\n\n--\nAlice\n"
	fmt.Printf("%q\n", newsgroups.Headers.Apply(post))
	fmt.Printf("%q\n", newsgroups.All.Apply(post))
	// Output:
	// "In article <1@b>, bob writes:\n> Which bike?\nThe red one.\nIt is fast.\n\n--\nAlice\n"
	// "The red one.\nIt is fast.\n"
}

// Decode keeps valid UTF-8 and reads anything else as Latin-1.
func ExampleDecode() {
	fmt.Println(newsgroups.Decode([]byte("café")), newsgroups.Decode([]byte("caf\xe9")))
	// Output:
	// café café
}
