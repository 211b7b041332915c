#!/usr/bin/env bash
# Renders the README's pictures of the workbook: the week-2 demo workbook,
# converted by LibreOffice to PDF, then the first page of the Summary and of
# the Accounts sheet to PNG. Run from the repository root: make docs-images.
set -euo pipefail

for tool in soffice pdftoppm pdftotext; do
	if ! command -v "$tool" >/dev/null; then
		echo "docs/render.sh needs $tool: apt-get install -y libreoffice-calc-nogui poppler-utils" >&2
		exit 1
	fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/config-report" ./cmd/config-report
for week in 1 2; do
	"$work/config-report" demo --out "$work/report" >/dev/null
done
workbook=$(ls "$work"/report/reports/*week0002/*.xlsx)
soffice --headless --convert-to pdf --outdir "$work" "$workbook" >/dev/null 2>&1
pdf="$work/$(basename "${workbook%.xlsx}").pdf"

# firstPage prints the first page whose footer names the sheet.
firstPage() {
	local pages
	pages=$(pdfinfo "$pdf" | awk '/^Pages:/ {print $2}')
	for ((p = 1; p <= pages; p++)); do
		if pdftotext -f "$p" -l "$p" -layout "$pdf" - | grep -Eq "^\s*$1\s+Page $p of"; then
			echo "$p"
			return
		fi
	done
	echo "no page of sheet $1 in $pdf" >&2
	exit 1
}

render() { # sheet, output
	local page
	page=$(firstPage "$1")
	pdftoppm -png -r 110 -f "$page" -l "$page" -singlefile "$pdf" "$work/page"
	mv "$work/page.png" "$2"
	echo "$2: sheet $1, page $page of the week-2 demo workbook"
}
render Summary docs/workbook-summary.png
render Accounts docs/workbook-accounts.png
