// /api/docs: Swagger UI over the generated OpenAPI document (no inline script: the page's CSP forbids it).
document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("swagger");
  window.SwaggerUIBundle({ url: box.dataset.spec, domNode: box, deepLinking: true, persistAuthorization: false });
});
