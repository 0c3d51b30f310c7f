import django_filters
from rest_framework import serializers, viewsets

from kehu.customers.access import customer_scope_for
from kehu.orders import services
from kehu.orders.models import Order, OrderLine, Product
from kehu.web.api_base import VisibleCustomerField


class ProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["id", "sku", "name", "category", "price", "cost", "is_active"]

    def create(self, validated):
        return services.save_product(self.context["request"].user, Product(), **validated)

    def update(self, instance, validated):
        return services.save_product(self.context["request"].user, instance, **validated)


class ProductViewSet(viewsets.ModelViewSet):
    queryset = Product.objects.all()
    serializer_class = ProductSerializer
    filterset_fields = ["category", "is_active", "sku"]
    ordering_fields = ["sku", "name", "price"]
    ordering = ["sku"]


class OrderLineSerializer(serializers.ModelSerializer):
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all())

    class Meta:
        model = OrderLine
        fields = ["id", "product", "quantity", "unit_price", "discount"]
        extra_kwargs = {"unit_price": {"required": False}}


class OrderSerializer(serializers.ModelSerializer):
    customer = VisibleCustomerField()
    lines = OrderLineSerializer(many=True, required=False)

    class Meta:
        model = Order
        fields = ["id", "customer", "ordered_at", "channel", "store", "status", "total", "currency",
                  "external_id", "lines"]
        extra_kwargs = {"total": {"required": False}}

    def validate_external_id(self, value):
        return value or None

    def _save(self, instance, validated):
        lines = validated.pop("lines", None)
        return services.save_order(self.context["request"].user, instance, lines=lines, **validated)

    def create(self, validated):
        return self._save(Order(), validated)

    def update(self, instance, validated):
        return self._save(instance, validated)


class OrderFilter(django_filters.FilterSet):
    ordered_after = django_filters.IsoDateTimeFilter(field_name="ordered_at", lookup_expr="gte")
    ordered_before = django_filters.IsoDateTimeFilter(field_name="ordered_at", lookup_expr="lt")

    class Meta:
        model = Order
        fields = ["customer", "channel", "status", "store", "external_id"]


class OrderViewSet(viewsets.ModelViewSet):
    serializer_class = OrderSerializer
    filterset_class = OrderFilter
    ordering_fields = ["ordered_at", "total"]
    ordering = ["-ordered_at", "-id"]

    def get_queryset(self):
        return Order.objects.filter(customer_scope_for(self.request.user, "customer__")).prefetch_related("lines")

    def perform_destroy(self, instance):
        services.delete_order(self.request.user, instance)
