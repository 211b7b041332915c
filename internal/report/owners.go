package report

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/config-report/config-report/internal/run"
)

// unownedName is the file of the accounts without the owner tag.
const unownedName = "_no-owner.csv"

// ownerFileName returns the file name of an owner's CSV: the tag's value
// with every character other than letters, digits, '-', '_' and '.'
// replaced by '_' (safe as an S3 key and a file name on every system),
// lower-cased so that "Payments" and "payments" are one team, then .csv.
func ownerFileName(owner string) string {
	owner = strings.ToLower(strings.TrimSpace(owner))
	if owner == "" {
		return unownedName
	}
	safe := strings.Map(func(r rune) rune {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("-_.", r)) {
			return r
		}
		return '_'
	}, owner)
	if len(safe) > 100 {
		safe = safe[:100]
	}
	return strings.TrimLeft(safe, ".") + ".csv"
}

// splitByOwner writes the rows of the CSV at csvPath into one CSV per owner
// (the accounts' tag ownerTag) in dir, with the same header, and returns
// the files by name. Accounts without the tag go to unownedName. The CSV
// is read once; rows keep their order.
func splitByOwner(csvPath, dir, ownerTag string, accounts []run.Account) (map[string]string, error) {
	ownerOf := make(map[string]string, len(accounts))
	for _, a := range accounts {
		ownerOf[a.ID] = ownerFileName(a.Tags[ownerTag])
	}
	in, err := os.Open(csvPath)
	if err != nil {
		return nil, fmt.Errorf("split the CSV by owner: %w", err)
	}
	defer in.Close()
	r := csv.NewReader(bufio.NewReaderSize(in, 1<<20))
	r.ReuseRecord = true
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("split the CSV by owner: %w", err)
	}
	head = append([]string(nil), head...)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("split the CSV by owner: %w", err)
	}
	out := ownerFiles{dir: dir, head: head, files: map[string]*ownerFile{}}
	defer out.close()
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("split the CSV by owner: %w", err)
		}
		name, ok := ownerOf[rec[colAccountID]]
		if !ok {
			name = unownedName
		}
		if err := out.write(name, rec); err != nil {
			return nil, err
		}
	}
	return out.finish()
}

// ownerFiles are the per-owner CSVs being written.
type ownerFiles struct {
	dir   string
	head  []string
	files map[string]*ownerFile
}

type ownerFile struct {
	f *os.File
	b *bufio.Writer
	w *csv.Writer
}

// maxOpenOwnerFiles bounds the owner files open at once, well under a
// Lambda function's 1,024 file descriptors (AWS Lambda Developer Guide,
// "Lambda quotas"); an organization with more owners has its files closed
// and reopened for appending as needed.
const maxOpenOwnerFiles = 200

// write appends rec to the owner's file, creating it with the header.
func (o *ownerFiles) write(name string, rec []string) error {
	of := o.files[name]
	if of == nil || of.f == nil {
		if o.open() >= maxOpenOwnerFiles {
			if err := o.closeAll(); err != nil {
				return err
			}
		}
		flag := os.O_CREATE | os.O_WRONLY | os.O_TRUNC
		if of != nil {
			flag = os.O_WRONLY | os.O_APPEND
		}
		f, err := os.OpenFile(filepath.Join(o.dir, name), flag, 0o600)
		if err != nil {
			return fmt.Errorf("split the CSV by owner: %w", err)
		}
		b := bufio.NewWriterSize(f, 64<<10)
		fresh := of == nil
		of = &ownerFile{f: f, b: b, w: csv.NewWriter(b)}
		o.files[name] = of
		if fresh {
			if err := of.w.Write(o.head); err != nil {
				return fmt.Errorf("split the CSV by owner: %w", err)
			}
		}
	}
	if err := of.w.Write(rec); err != nil {
		return fmt.Errorf("split the CSV by owner: %w", err)
	}
	return nil
}

// open counts the files open.
func (o *ownerFiles) open() int {
	n := 0
	for _, of := range o.files {
		if of.f != nil {
			n++
		}
	}
	return n
}

// closeAll flushes and closes every open file.
func (o *ownerFiles) closeAll() error {
	for _, of := range o.files {
		if of.f == nil {
			continue
		}
		of.w.Flush()
		err := of.w.Error()
		if err == nil {
			err = of.b.Flush()
		}
		if cerr := of.f.Close(); err == nil {
			err = cerr
		}
		of.f = nil
		if err != nil {
			return fmt.Errorf("split the CSV by owner: %w", err)
		}
	}
	return nil
}

// finish flushes and closes every file and returns them by name.
func (o *ownerFiles) finish() (map[string]string, error) {
	if err := o.closeAll(); err != nil {
		return nil, err
	}
	paths := make(map[string]string, len(o.files))
	for name := range o.files {
		paths[name] = filepath.Join(o.dir, name)
	}
	return paths, nil
}

// close closes the files finish did not (after an error).
func (o *ownerFiles) close() {
	for _, of := range o.files {
		if of.f != nil {
			of.f.Close()
		}
	}
}
