"""Every way usage comes in, each returning the same `engine.history.LoadedUsage`.

- `usage_csv`: a usage file (ours, Klaviyo's account-usage export, a manager's spreadsheet);
  it reads with `detect` (how the text is written), `columns` (which column is which) and
  `months` (the month of every row).
- `klaviyo_api`: a connected Klaviyo account, through the `klaviyo` API client.
- `profiles_csv`: a list or segment export, counted into today's active profiles (one number,
  not a history: it sets the starting plan, not the usage path).

A new source (a Shopify export, say) is one module here with a function returning LoadedUsage.
No streamlit in this package; `worker` runs a file parse in another process for the app.
"""
