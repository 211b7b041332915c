package report

import (
	"archive/zip"
	"bytes"
	"cmp"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// chartCache is what one chart shows, kept to write into the chart's XML
// after the workbook is saved. excelize writes a chart's references
// (<c:f>) with empty caches; Excel and LibreOffice recalculate them on
// opening, but a reader that does not (file previewers, mail clients, a
// workbook opened read-only in a browser) shows an empty chart. The caches
// also carry what excelize cannot set: a colour per bar.
type chartCache struct {
	// strs maps a text reference (categories, a series name) to its values.
	strs map[string][]string
	// nums maps a numeric reference to its values (NaN: blank) and number
	// format.
	nums map[string]numCache
	// colors maps a bar series' values reference to each bar's fill colour.
	colors map[string][]string
}

type numCache struct {
	values []float64
	format string
}

func newChartCache() *chartCache {
	return &chartCache{strs: map[string][]string{}, nums: map[string]numCache{}, colors: map[string][]string{}}
}

// chartFile matches the parts of a workbook that hold charts.
var chartFile = regexp.MustCompile(`^xl/charts/chart[0-9]+\.xml$`)

// fillChartCaches rewrites the workbook at path with the caches of c in
// its charts. Every other part is copied as it is, compressed bytes and
// all, so the cost is a copy of the file.
func fillChartCaches(path string, c *chartCache) error {
	if c == nil || len(c.strs)+len(c.nums) == 0 {
		return nil
	}
	r, err := zip.OpenReader(path)
	if err != nil {
		return fmt.Errorf("chart caches: %w", err)
	}
	defer r.Close()
	tmp, err := os.CreateTemp(filepath.Dir(path), ".charts-*.xlsx")
	if err != nil {
		return fmt.Errorf("chart caches: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	zw := zip.NewWriter(tmp)
	for _, f := range r.File {
		if !chartFile.MatchString(f.Name) {
			if err := zw.Copy(f); err != nil {
				return fmt.Errorf("chart caches: copy %s: %w", f.Name, err)
			}
			continue
		}
		if err := rewriteChart(zw, f, c); err != nil {
			return fmt.Errorf("chart caches: %s: %w", f.Name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("chart caches: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("chart caches: %w", err)
	}
	return os.Rename(tmp.Name(), path)
}

// rewriteChart writes f's chart with c's caches and bar colours.
func rewriteChart(zw *zip.Writer, f *zip.File, c *chartCache) error {
	rc, err := f.Open()
	if err != nil {
		return err
	}
	data, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		return err
	}
	s := string(data)
	for ref, values := range c.strs {
		f := "<f>" + escape(ref) + "</f>"
		s = strings.ReplaceAll(s, f+"</strRef>", f+strCacheXML(values)+"</strRef>")
	}
	for ref, n := range c.nums {
		f := "<f>" + escape(ref) + "</f>"
		s = strings.ReplaceAll(s, f+"<numCache><formatCode></formatCode></numCache>", f+numCacheXML(n))
	}
	for ref, colors := range c.colors {
		s = colorBars(s, escape(ref), colors)
	}
	w, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Deflate, Modified: f.Modified})
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, s)
	return err
}

// series matches one series of a chart.
var series = regexp.MustCompile(`(?s)<ser>.*?</ser>`)

// colorBars gives each bar of the series whose values are ref its colour:
// a <dPt> per bar after <invertIfNegative>, where the schema puts them
// (ECMA-376 Part 1, 21.2.2.16 CT_BarSer: idx, order, tx, spPr,
// invertIfNegative, pictureOptions, dPt*, dLbls, …).
func colorBars(chart, ref string, colors []string) string {
	return series.ReplaceAllStringFunc(chart, func(ser string) string {
		if !strings.Contains(ser, "<val><numRef><f>"+ref+"</f>") {
			return ser
		}
		var dpt strings.Builder
		for i, color := range colors {
			if color == "" {
				continue
			}
			fmt.Fprintf(&dpt, `<dPt><idx val="%d"></idx><invertIfNegative val="0"></invertIfNegative><bubble3D val="0"></bubble3D>`+
				`<spPr><a:solidFill><a:srgbClr val="%s"></a:srgbClr></a:solidFill></spPr></dPt>`, i, color)
		}
		const after = `<invertIfNegative val="0"></invertIfNegative>`
		return strings.Replace(ser, after, after+dpt.String(), 1)
	})
}

func strCacheXML(values []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<strCache><ptCount val="%d"></ptCount>`, len(values))
	for i, v := range values {
		fmt.Fprintf(&b, `<pt idx="%d"><v>%s</v></pt>`, i, escape(v))
	}
	b.WriteString("</strCache>")
	return b.String()
}

func numCacheXML(n numCache) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<numCache><formatCode>%s</formatCode><ptCount val="%d"></ptCount>`, escape(cmp.Or(n.format, "General")), len(n.values))
	for i, v := range n.values {
		if math.IsNaN(v) {
			continue // a blank: no point (ECMA-376 Part 1, 21.2.2.150 pt)
		}
		fmt.Fprintf(&b, `<pt idx="%d"><v>%s</v></pt>`, i, strconv.FormatFloat(v, 'g', -1, 64))
	}
	b.WriteString("</numCache>")
	return b.String()
}

// escape writes s as XML character data, as excelize's encoder does.
func escape(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
