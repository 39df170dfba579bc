// A photo of a code, for the server's reader (POST /api/v1/scan) when the phone's own decoder
// found nothing and the phone is online.

const PHOTO_MAX_SIDE = 1600; // the server's ID-card reader expects no more

/** A JPEG of the photo, long side at most 1600 px (phones take 12 MP; the server needs less). */
export async function shrink(file) {
  const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  const scale = Math.min(1, PHOTO_MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close?.();
  return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.9));
}

/** serverScan for attachScanner: POST the photo to /api/v1/scan with a device token. */
export function serverScanWith(getToken, { field, siteId } = {}) {
  return async (blob) => {
    const token = await getToken();
    if (!token) return null;
    const query = new URLSearchParams();
    if (field) query.set("field", field);
    if (siteId) query.set("site_id", siteId);
    const response = await fetch(`/api/v1/scan?${query}`, {
      method: "POST", body: blob, headers: { "Content-Type": "image/jpeg", Authorization: `Bearer ${token}` },
    });
    if (!response.ok) return null;
    const body = await response.json();
    return body.codes.map((c) => ({ text: c.text, format: c.format }));
  };
}
