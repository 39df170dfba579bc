"""What the app keeps in the phone's IndexedDB, read through its own db module."""

APP_STORES = """async () => {
    const { db } = await import('/client/offline/db.js');
    const d = await db();
    const dump = {};
    for (const name of d.objectStoreNames) dump[name] = await d.getAll(name);
    return JSON.stringify(dump); }"""


def app_stores(page) -> str:
    """Every store of the app's database as JSON text ({store: [values]}): what a thief reads."""
    return page.evaluate(APP_STORES)
