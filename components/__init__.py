"""Streamlit building blocks shared by the pages: the warehouse connection and caches, the
scope/year picker bound to the URL, KPI tiles, tables with CSV download, the demo banner."""
from components.data import catalog, ensure_warehouse, metric, warehouse
from components.show import accessibility, chart, file_name, header, table, tiles
from components.sidebar import View, current_view, page_menu, sidebar, view_params

__all__ = ["catalog", "ensure_warehouse", "metric", "warehouse", "chart", "file_name", "header", "accessibility", "table",
           "tiles", "View", "current_view", "page_menu", "sidebar", "view_params"]
