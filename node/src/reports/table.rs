//! A report laid out as the official biểu are: the issuing body and the national heading, the
//! title and period, grouped column headings over numbered columns, one row per site and the
//! total; written as XLSX (rust_xlsxwriter) and as a print-ready A4 page.
//!
//! The table is the one shape every form takes here; what a form counts and how its columns
//! are headed is the form's (`reports::forms`).

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, XlsxError};

/// A heading over several columns (a merged cell of the official layout).
#[derive(Debug, Clone, serde::Serialize)]
pub struct ColumnGroup {
    pub heading: String,
    pub columns: Vec<Column>,
}

/// One numbered column.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Column {
    /// The API's name of the figure (`visits`, …).
    pub id: String,
    /// The heading in Vietnamese.
    pub heading: String,
}

/// One site's line.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TableRow {
    pub code: String,
    pub name: String,
    pub values: Vec<u64>,
}

/// A whole report, ready to write.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReportTable {
    /// "Biểu số 01/TCD".
    pub form_no: String,
    /// "TỔNG HỢP KẾT QUẢ TIẾP CÔNG DÂN".
    pub title: String,
    /// The managing body and the issuing body, as the letterhead writes them.
    pub parent_body: Option<String>,
    pub body: String,
    /// "Quý IV/2026 (số liệu từ ngày 15/09/2026 đến ngày 14/12/2026)".
    pub period_label: String,
    pub groups: Vec<ColumnGroup>,
    pub rows: Vec<TableRow>,
    pub totals: Vec<u64>,
}

impl ReportTable {
    /// Every column in order.
    pub fn columns(&self) -> impl Iterator<Item = &Column> {
        self.groups.iter().flat_map(|g| g.columns.iter())
    }

    /// The XLSX of the report: one sheet, A4 landscape, Times New Roman, headings frozen.
    pub fn to_xlsx(&self) -> Result<Vec<u8>, XlsxError> {
        let font = "Times New Roman";
        let base = Format::new().set_font_name(font).set_font_size(11);
        let bold = base.clone().set_bold();
        let centre = base.clone().set_align(FormatAlign::Center);
        let title = bold
            .clone()
            .set_font_size(14)
            .set_align(FormatAlign::Center);
        let head = bold
            .clone()
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter)
            .set_text_wrap()
            .set_border(FormatBorder::Thin);
        let cell = base.clone().set_border(FormatBorder::Thin);
        let number = cell.clone().set_align(FormatAlign::Right);
        let total = bold.clone().set_border(FormatBorder::Thin);

        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name(self.form_no.replace('/', "-").replace("Biểu số ", "Bieu "))?;
        sheet.set_landscape();
        sheet.set_paper_size(9); // A4
        sheet.set_print_fit_to_pages(1, 0);
        let width = 2 + self.columns().count() as u16;
        let last = width - 1;

        // The issuing body at the left, the national heading at the right.
        let mid = (width / 2).max(2);
        let mut r = 0u32;
        if let Some(parent) = &self.parent_body {
            sheet.merge_range(r, 0, r, mid - 1, &parent.to_uppercase(), &centre)?;
        }
        sheet.merge_range(
            r,
            mid,
            r,
            last,
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            &bold.clone().set_align(FormatAlign::Center),
        )?;
        r += 1;
        sheet.merge_range(
            r,
            0,
            r,
            mid - 1,
            &self.body.to_uppercase(),
            &bold.clone().set_align(FormatAlign::Center),
        )?;
        sheet.merge_range(
            r,
            mid,
            r,
            last,
            "Độc lập - Tự do - Hạnh phúc",
            &bold.clone().set_align(FormatAlign::Center),
        )?;
        r += 2;
        sheet.merge_range(
            r,
            0,
            r,
            last,
            &self.form_no,
            &bold.clone().set_align(FormatAlign::Right),
        )?;
        r += 1;
        sheet.merge_range(r, 0, r, last, &self.title, &title)?;
        r += 1;
        sheet.merge_range(
            r,
            0,
            r,
            last,
            &self.period_label,
            &centre.clone().set_italic(),
        )?;
        r += 2;

        // Two heading rows (the groups, then the columns) and the row of column numbers.
        let (group_row, column_row, number_row) = (r, r + 1, r + 2);
        sheet.merge_range(group_row, 0, column_row, 0, "STT", &head)?;
        sheet.merge_range(group_row, 1, column_row, 1, "Đơn vị", &head)?;
        sheet.write_string_with_format(number_row, 0, "(1)", &head)?;
        sheet.write_string_with_format(number_row, 1, "(2)", &head)?;
        let mut col = 2u16;
        for g in &self.groups {
            let n = g.columns.len() as u16;
            if n == 1 {
                sheet.merge_range(
                    group_row,
                    col,
                    column_row,
                    col,
                    &g.columns[0].heading,
                    &head,
                )?;
            } else {
                sheet.merge_range(group_row, col, group_row, col + n - 1, &g.heading, &head)?;
                for (i, c) in g.columns.iter().enumerate() {
                    sheet.write_string_with_format(
                        column_row,
                        col + i as u16,
                        &c.heading,
                        &head,
                    )?;
                }
            }
            for i in 0..n {
                let k = col + i + 1;
                sheet.write_string_with_format(number_row, col + i, format!("({k})"), &head)?;
            }
            col += n;
        }
        sheet.set_row_height(column_row, 60)?;
        sheet.set_column_width(0, 5)?;
        sheet.set_column_width(1, 28)?;
        for c in 2..width {
            sheet.set_column_width(c, 11)?;
        }
        sheet.set_freeze_panes(number_row + 1, 2)?;

        let mut r = number_row + 1;
        sheet.merge_range(r, 0, r, 1, "Tổng cộng", &total)?;
        for (i, v) in self.totals.iter().enumerate() {
            sheet.write_number_with_format(r, 2 + i as u16, *v as f64, &total)?;
        }
        r += 1;
        for (n, row) in self.rows.iter().enumerate() {
            sheet.write_number_with_format(r, 0, (n + 1) as f64, &cell)?;
            sheet.write_string_with_format(r, 1, format!("{} ({})", row.name, row.code), &cell)?;
            for (i, v) in row.values.iter().enumerate() {
                sheet.write_number_with_format(r, 2 + i as u16, *v as f64, &number)?;
            }
            r += 1;
        }
        book.save_to_buffer()
    }
}
