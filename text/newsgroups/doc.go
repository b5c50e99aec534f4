// Package newsgroups reads the 20 Newsgroups corpus ("bydate" version: 11,314 training and
// 7,532 test posts in 20 categories) from the official 20news-bydate.tar.gz, streamed without
// extracting anything, or from the folder it was extracted to.
//
// # Documents
//
// The category names come in sorted order and a document's label is its category's index.
// Each split lists its documents by category and then by file name in byte order, the order
// of scikit-learn's load_files (before fetch_20newsgroups shuffles them). A post's bytes are
// decoded as UTF-8 where they are valid and as Latin-1 otherwise (scikit-learn decodes
// every post as Latin-1; the two differ only for the posts that are valid UTF-8 and not
// ASCII). File names are numeric article ids that repeat across categories and splits: a
// document is identified by its split, category and id.
//
// # Removing headers, footers and quotes
//
// Remove selects parts of the posts to remove with the rules of scikit-learn's
// fetch_20newsgroups(remove=...), applied in its order: headers (everything up to the
// first blank line), then footers (a signature block: everything from the last blank or
// dashed line, after trimming white space at both ends), then quotes (lines with "writes:",
// "wrote:" and the like, or starting with ">" or "|"). The footer rule cuts at the last
// blank-line block, so a post whose only blank line follows its headers ends up empty; such
// posts are kept, as scikit-learn keeps them.
//
// # Where the archive comes from
//
// Load with Options.Path reads that archive or folder. Without it, Load looks for
// 20news-bydate.tar.gz in the user's cache folder (os.UserCacheDir()/godl, or
// Options.CacheDir) and downloads it there the first time from the address scikit-learn
// uses, with a progress bar; the download goes to a temporary file that is renamed into
// place only when complete and well-formed. Offline, Load fails with an error that says
// where to put the file.
//
// An archive or folder is checked by its structure, not by a checksum (repacked copies are
// fine): both splits present, the same categories in each, no category empty, every entry
// a regular file or folder at a clean path inside the archive, every file at
// split/category/id, and the gzip stream complete. A fault gives an error that names the
// entry. Errors are prefixed "newsgroups: "; nothing read from outside panics.
package newsgroups
