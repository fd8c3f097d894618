//! Labels through the API and the CLI: every QR code decodes back to exactly the product's
//! URI (docs/lifecycle.md, "Identifiers and labels").

use crate::db::{db_test, TestDb};
use crate::support::{assert_problem, setup};
use actix_web::http::StatusCode;
use actix_web::test::TestRequest;

/// Decodes the one QR code in a PNG.
pub fn decode_png(bytes: &[u8]) -> String {
    let mut reader = png::Decoder::new(bytes).read_info().expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).expect("a frame");
    let width = info.width as usize;
    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(width, info.height as usize, |x, y| {
            pixels[y * width + x]
        });
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "exactly one QR code");
    grids[0].decode().expect("decodes").1
}

db_test! {
    /// The PNG label's QR code is the product's URI; the SVG label shows its text; an unknown
    /// product is a 404 problem.
    async fn labels_carry_the_product_uri(db: TestDb) {
        let env = setup(db).await;
        let id = env.register("LBL-0001").await;
        let product = env.product(id).await.expect("product");
        let uri = product["uri"].as_str().expect("uri").to_string();
        assert!(uri.ends_with("/01/09506000134352/21/LBL-0001"), "{uri}");

        let (status, png, content_type) = env
            .call_raw(TestRequest::get().uri(&format!("/v1/products/{id}/label.png")))
            .await;
        assert_eq!((status, content_type.as_str()), (StatusCode::OK, "image/png"));
        assert_eq!(decode_png(&png), uri);

        let (status, svg, content_type) = env
            .call_raw(TestRequest::get().uri(&format!("/v1/products/{id}/label.svg")))
            .await;
        assert_eq!((status, content_type.as_str()), (StatusCode::OK, "image/svg+xml"));
        let svg = String::from_utf8(svg).expect("utf-8");
        for text in ["Fairphone FP5", "S/N LBL-0001", &format!("ID {}", &id.simple().to_string()[..8])] {
            assert!(svg.contains(text), "{text} in the label");
        }

        let unknown = uuid::Uuid::new_v4();
        let (status, body) = env.get(&format!("/v1/products/{unknown}/label.png")).await;
        assert_problem(&body, status, StatusCode::NOT_FOUND, "not-found");
    }
}
