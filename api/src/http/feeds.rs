//! `GET /feeds/{channel}/{aggregator}.csv|.xml?token=…`: pull feeds, streamed a page of
//! listings at a time.

use actix_web::{HttpResponse, web, web::Bytes};
use futures_util::stream;
use serde::Deserialize;

use super::safe_csv;
use crate::{
    error::AppError,
    service::channels::feeds::{self, Feed, FeedItem},
    state::AppContext,
};

#[derive(Deserialize)]
pub struct FeedQuery {
    token: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    Xml,
}

/// Meta commerce catalogue columns.
const CSV_HEADER: [&str; 9] = [
    "id",
    "title",
    "description",
    "availability",
    "condition",
    "price",
    "link",
    "image_link",
    "brand",
];

pub async fn feed(
    app: web::Data<AppContext>,
    path: web::Path<(String, String)>,
    query: web::Query<FeedQuery>,
) -> HttpResponse {
    let (channel, file) = path.into_inner();
    let (slug, format) = match file.rsplit_once('.') {
        Some((slug, "csv")) => (slug.to_owned(), Format::Csv),
        Some((slug, "xml")) => (slug.to_owned(), Format::Xml),
        _ => return HttpResponse::NotFound().body("no such feed"),
    };
    let Some(token) = query.into_inner().token.filter(|t| !t.is_empty()) else {
        return HttpResponse::Unauthorized().body("a feed token is required (?token=…)");
    };
    let feed = match feeds::authorise(&app.db, &channel, &slug, &token).await {
        Ok(feed) => feed,
        Err(AppError::NotFound(_)) => return HttpResponse::NotFound().body("no such feed"),
        Err(err) => {
            tracing::error!(error = %err, "cannot read a feed");
            return HttpResponse::InternalServerError().body("internal error");
        }
    };
    let content_type = match format {
        Format::Csv => "text/csv; charset=utf-8",
        Format::Xml => "application/rss+xml; charset=utf-8",
    };
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("Cache-Control", "no-store"))
        .streaming(rows(app.into_inner(), feed, format))
}

enum Step {
    Head,
    Page(i64),
    Tail,
    Done,
}

/// The feed as a stream: the head, one chunk per page of listings, the tail.
fn rows(
    app: std::sync::Arc<AppContext>,
    feed: Feed,
    format: Format,
) -> impl futures_util::Stream<Item = Result<Bytes, actix_web::Error>> {
    stream::unfold(Step::Head, move |step| {
        let app = app.clone();
        let feed = feed.clone();
        async move {
            match step {
                Step::Head => Some((Ok(Bytes::from(head(&feed, format))), Step::Page(0))),
                Step::Page(after) => {
                    match feeds::page(&app.db, &feed, &app.settings.feed_product_base_url, after)
                        .await
                    {
                        Ok(page) => match page.last_listing {
                            None => Some((Ok(Bytes::new()), Step::Tail)),
                            Some(last) => {
                                let chunk = page
                                    .items
                                    .iter()
                                    .map(|item| row(item, format))
                                    .collect::<Vec<_>>()
                                    .concat();
                                Some((Ok(Bytes::from(chunk)), Step::Page(last)))
                            }
                        },
                        Err(err) => {
                            tracing::error!(error = %err, "a feed broke off");
                            Some((
                                Err(actix_web::error::ErrorInternalServerError("feed broke off")),
                                Step::Done,
                            ))
                        }
                    }
                }
                Step::Tail => Some((Ok(Bytes::from(tail(format))), Step::Done)),
                Step::Done => None,
            }
        }
    })
}

fn head(feed: &Feed, format: Format) -> Vec<u8> {
    match format {
        Format::Csv => safe_csv::record(&CSV_HEADER),
        Format::Xml => format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <rss version=\"2.0\" xmlns:g=\"http://base.google.com/ns/1.0\">\n<channel>\n\
             <title>{}</title>\n<link>https://dermaga.id/</link>\n<description>{}</description>\n",
            escape(&format!(
                "{} on {}",
                feed.aggregator_name, feed.channel_name
            )),
            escape("Products listed through Dermaga"),
        )
        .into_bytes(),
    }
}

fn tail(format: Format) -> &'static str {
    match format {
        Format::Csv => "",
        Format::Xml => "</channel>\n</rss>\n",
    }
}

fn row(item: &FeedItem, format: Format) -> Vec<u8> {
    let price = format!("{} IDR", item.price);
    match format {
        Format::Csv => safe_csv::record(&[
            &item.id,
            &item.title,
            &item.description,
            if item.in_stock { "in stock" } else { "out of stock" },
            "new",
            &price,
            &item.link,
            &item.image_link,
            &item.brand,
        ]),
        Format::Xml => format!(
            "<item>\n<g:id>{}</g:id>\n<title>{}</title>\n<description>{}</description>\n\
             <link>{}</link>\n<g:image_link>{}</g:image_link>\n<g:availability>{}</g:availability>\n\
             <g:condition>new</g:condition>\n<g:price>{}</g:price>\n<g:brand>{}</g:brand>\n</item>\n",
            escape(&item.id),
            escape(&item.title),
            escape(&item.description),
            escape(&item.link),
            escape(&item.image_link),
            if item.in_stock { "in_stock" } else { "out_of_stock" },
            escape(&price),
            escape(&item.brand),
        )
        .into_bytes(),
    }
}

/// XML text and attribute escaping; characters XML 1.0 forbids are dropped.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            '\t' | '\n' | '\r' => escaped.push(ch),
            ch if (ch as u32) < 0x20 || ch == '\u{FFFE}' || ch == '\u{FFFF}' => {}
            ch => escaped.push(ch),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_text_is_escaped() {
        assert_eq!(escape("a<b & \"c\"\u{1}"), "a&lt;b &amp; &quot;c&quot;");
    }
}
